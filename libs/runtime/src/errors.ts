/** The function's code package cannot be used: not a zip, a path escaping the code dir, too large. */
export class InvalidCodePackageError extends Error {
  override readonly name = 'InvalidCodePackageError';
}

/** `invoke` was called after `shutdown()`: the executor is going away and must not start work. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('The instance pool has been shut down');
  }
}

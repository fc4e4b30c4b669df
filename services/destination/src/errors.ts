import { ERRORS, type ErrorCode } from '@asyncfn/contracts';

/**
 * Why a delivery attempt failed: one of the registry's destination codes (@asyncfn/contracts,
 * errors.ts), whose `retryable` decides, in one place (the delivery handler), between another
 * attempt after a backoff and the dead-letter stream at once.
 */
export const DeliveryErrorCode = {
  /** The destination URI cannot be delivered to (bad subject, reserved subject, unknown function). */
  DestinationInvalid: 'DestinationInvalid',
  /** The destination answered, but not with success (HTTP non-2xx, intake refusal). */
  DestinationRejected: 'DestinationRejected',
  /** The destination could not be reached or did not answer in time. */
  DestinationUnreachable: 'DestinationUnreachable',
} as const satisfies Record<string, ErrorCode>;
export type DeliveryErrorCode = (typeof DeliveryErrorCode)[keyof typeof DeliveryErrorCode];

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = ERRORS[code].retryable;
  }
}

export const invalidDestination = (message: string) =>
  new DeliveryError(DeliveryErrorCode.DestinationInvalid, message);

/** Any error as one line, with the innermost cause (fetch hides ECONNREFUSED there). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { message?: string; code?: unknown; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    const text = e.message || (typeof e.code === 'string' ? e.code : '');
    if (text && !parts.includes(text)) parts.push(text);
    if (parts.length >= 3) break;
  }
  return parts.join(': ') || String(err);
}

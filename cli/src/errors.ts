/** Exit codes (documented in cli/README.md): scripts branch on these. */
export const ExitCode = {
  Ok: 0,
  /** The API answered with an FC error, or could not be reached. */
  Error: 1,
  /** Bad command line: unknown command or option, missing argument, bad value. */
  Usage: 2,
  /** The task (or sync invocation) ended other than Succeeded: Failed, Stopped, Expired, Invalid. */
  TaskUnsuccessful: 3,
  /** A bulk operation completed but could not act on some tasks. */
  Partial: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line and exits with its code. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Error,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** An FC-style error answer: `{Code, Message, RequestId}`. */
export class FcError extends CliError {
  override readonly name = 'FcError';
  constructor(
    readonly code: string,
    readonly fcMessage: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(`${code}: ${fcMessage} (HTTP ${status}${requestId ? `, request ${requestId}` : ''})`);
  }
}

/**
 * Every error code asyncfn answers or records, in one table: the code (FC 3.0's own where FC has
 * one: see docs/fc-compatibility.md), the HTTP status, whether the same request may succeed if
 * sent again, and a message template (`{name}` placeholders). The ingress answers every error as
 * `{Code, Message, RequestId}` from this table; a unit test keeps the OpenAPI document in step.
 * One flat table on purpose (longer than ~300 lines): every code is in one place to read.
 *
 * `origin`: `fc` for FC's own codes (their names and statuses as FC's error-code pages give them),
 * `asyncfn` for codes FC does not have (our extensions, and internal outcomes).
 * `internal`: never an HTTP answer (recorded on tasks and dead letters only); its status is the
 * one it would map to.
 */
interface ErrorSpec {
  status: number;
  retryable: boolean;
  message: string;
  description: string;
  origin: 'fc' | 'asyncfn';
  internal?: true;
}

const spec = <T extends Record<string, ErrorSpec>>(table: T) => table;

export const ERRORS = spec({
  // 400: the request itself is wrong.
  InvalidArgument: {
    status: 400,
    retryable: false,
    message: '{detail}',
    description:
      'A parameter, header or body field is malformed or out of range (also a body that is not valid JSON); the message names the field and the rule.',
    origin: 'fc',
  },
  EntityTooLarge: {
    status: 400,
    retryable: false,
    message: 'payload size exceeds maximum allowed size ({limit} bytes)',
    description: 'The invocation payload (or request body) exceeds the configured limit.',
    origin: 'fc',
  },
  PathNotSupported: {
    status: 400,
    retryable: false,
    message: "'{method}' against '{path}' is not supported",
    description: 'No API route at this path and method.',
    origin: 'fc',
  },
  AdditionalVersionContainsMajorVersion: {
    status: 400,
    retryable: false,
    message: 'additionalVersionWeight {weights} should not contain major version {version}',
    description: "An alias's additionalVersionWeight names the alias's own versionId.",
    origin: 'fc',
  },
  MissingRequiredHeader: {
    status: 400,
    retryable: false,
    message: 'required HTTP header {header} was not specified',
    description:
      'A header required for ACS3 signing (x-acs-date, x-acs-signature-nonce, x-acs-content-sha256, host) is missing.',
    origin: 'fc',
  },
  InvalidAuthorization: {
    status: 400,
    retryable: false,
    message: '{detail}',
    description:
      'The Authorization header or signing headers are malformed, the algorithm is not ACS3-HMAC-SHA256, or a header that must be signed is not in SignedHeaders.',
    origin: 'asyncfn',
  },
  // 401/403: who is asking.
  MissingAuthorization: {
    status: 401,
    retryable: false,
    message: 'the request has no Authorization header',
    description: 'The request has no Authorization header; sign it with ACS3-HMAC-SHA256.',
    origin: 'asyncfn',
  },
  AccessDenied: {
    status: 403,
    retryable: false,
    message: '{detail}',
    description:
      'The signed request belongs to another account than the resource (HTTP trigger of authType function).',
    origin: 'fc',
  },
  InvalidAccessKeyID: {
    status: 403,
    retryable: false,
    message: "invalid access key ID '{accessKeyId}'",
    description: 'The AccessKey ID in the Authorization header is unknown.',
    origin: 'fc',
  },
  SignatureNotMatch: {
    status: 403,
    retryable: false,
    message:
      'The request signature we calculated does not match the signature you provided. Check your access key and signing method.',
    description: 'The request signature does not match the one calculated with the access key secret.',
    origin: 'fc',
  },
  ContentSha256Mismatch: {
    status: 403,
    retryable: false,
    message: 'x-acs-content-sha256 does not match the SHA-256 of the request body',
    description: 'x-acs-content-sha256 does not match the SHA-256 of the request body.',
    origin: 'asyncfn',
  },
  RequestTimeTooSkewed: {
    status: 403,
    retryable: false,
    message: 'x-acs-date differs from the server time by more than {skew}',
    description:
      'x-acs-date differs from the server time by more than the allowed skew (15 minutes by default).',
    origin: 'asyncfn',
  },
  SignatureNonceUsed: {
    status: 403,
    retryable: false,
    message:
      'The x-acs-signature-nonce of this request has already been used; every request needs a fresh nonce.',
    description: 'x-acs-signature-nonce was already used with this AccessKey ID (replayed request).',
    origin: 'asyncfn',
  },
  // 404: what is asked for does not exist.
  FunctionNotFound: {
    status: 404,
    retryable: false,
    message: "function '{functionName}' does not exist",
    description: 'No function of that name in your account.',
    origin: 'fc',
  },
  VersionNotFound: {
    status: 404,
    retryable: false,
    message: "version '{versionId}' of function '{functionName}' does not exist",
    description: 'No published version of that id (qualifier or alias target).',
    origin: 'fc',
  },
  AliasNotFound: {
    status: 404,
    retryable: false,
    message: "alias '{aliasName}' of function '{functionName}' does not exist",
    description: 'No alias of that name on the function.',
    origin: 'fc',
  },
  AsyncConfigNotExists: {
    status: 404,
    retryable: false,
    message: 'AsyncConfig for {functionName}:{qualifier} does not exist.',
    description: 'The function (qualifier) has no async invoke config.',
    origin: 'fc',
  },
  AsyncTaskNotFound: {
    status: 404,
    retryable: false,
    message: "async task '{taskId}' of function '{functionName}' does not exist",
    description: 'No task of that id for that function in your account.',
    origin: 'fc',
  },
  TriggerNotFound: {
    status: 404,
    retryable: false,
    message: "trigger '{triggerName}' of function '{functionName}' does not exist",
    description: 'No trigger of that name on the function.',
    origin: 'fc',
  },
  MethodNotAllowed: {
    status: 405,
    retryable: false,
    message: 'method {method} is not allowed by this trigger',
    description: 'The HTTP trigger does not accept this method (see its triggerConfig.methods).',
    origin: 'asyncfn',
  },
  // 409: conflicts with the current state.
  FunctionAlreadyExists: {
    status: 409,
    retryable: false,
    message: "function '{functionName}' already exists",
    description: 'A function of that name already exists.',
    origin: 'fc',
  },
  TriggerAlreadyExists: {
    status: 409,
    retryable: false,
    message: "trigger '{triggerName}' of function '{functionName}' already exists",
    description: 'The function already has a trigger of that name.',
    origin: 'fc',
  },
  AliasAlreadyExists: {
    status: 409,
    retryable: false,
    message: "alias '{aliasName}' of function '{functionName}' already exists",
    description: 'The function already has an alias of that name.',
    origin: 'fc',
  },
  AsyncTaskAlreadyExists: {
    status: 409,
    retryable: false,
    message: "async task '{taskId}' already exists",
    description:
      'A task with this x-fc-async-task-id was already submitted (ids are unique while the task is retained).',
    origin: 'fc',
  },
  AsyncTaskAlreadyFinished: {
    status: 409,
    retryable: false,
    message: "async task '{taskId}' has already finished ({status})",
    description: 'The task has reached a terminal state; it cannot be stopped.',
    origin: 'asyncfn',
  },
  AsyncTaskNotFinished: {
    status: 409,
    retryable: false,
    message: "async task '{taskId}' has not finished yet ({status})",
    description: 'The task has not finished yet; only finished tasks can be re-run.',
    origin: 'asyncfn',
  },
  ResourceInUse: {
    status: 409,
    retryable: false,
    message: '{detail}',
    description: 'The resource is still referenced (a version an alias points at).',
    origin: 'asyncfn',
  },
  // 412: the function's state refuses the request.
  FunctionDisabled: {
    status: 412,
    retryable: false,
    message: "invocation of function '{functionName}' is disabled{reason}",
    description:
      'DisableFunctionInvocation was called on the function: new invocations are refused until EnableFunctionInvocation.',
    origin: 'asyncfn',
  },
  UnsupportedMediaType: {
    status: 415,
    retryable: false,
    message: 'the body must be JSON for this route',
    description: 'The body must be JSON for this route.',
    origin: 'asyncfn',
  },
  // 429: too much at once; the same request can succeed later.
  ResourceThrottled: {
    status: 429,
    retryable: true,
    message: "function '{functionName}' is at its concurrency limit ({limit})",
    description:
      'A synchronous invocation found the function (or the account) at its concurrency limit (reservedConcurrency or the per-tenant cap).',
    origin: 'fc',
  },
  // 5xx: the server side.
  InternalServerError: {
    status: 500,
    retryable: true,
    message: 'internal error; see the server log for this request id',
    description: 'An unexpected error; it is logged with the request id.',
    origin: 'fc',
  },
  NotImplemented: {
    status: 501,
    retryable: false,
    message: '{operation} is not supported by asyncfn',
    description:
      'An FC operation asyncfn does not serve (provision config, layers, VPC bindings); see docs/fc-compatibility.md.',
    origin: 'asyncfn',
  },
  ServiceUnavailable: {
    status: 503,
    retryable: true,
    message: 'a backing server is unavailable; retry later',
    description: 'A backing server (NATS, MongoDB) or every executor is unavailable; retry later.',
    origin: 'fc',
  },
  FunctionTimeout: {
    status: 504,
    retryable: false,
    message: 'function did not answer within {timeout} seconds',
    description: 'A synchronous invocation did not finish within its timeout.',
    origin: 'asyncfn',
  },
  // Console sessions and FC 2.0's signature scheme.
  ContentMd5Mismatch: {
    status: 403,
    retryable: false,
    message: 'Content-MD5 does not match the MD5 of the request body',
    description: 'Content-MD5 does not match the MD5 of the request body (FC 2.0 signature scheme).',
    origin: 'fc',
  },
  InvalidAccessKeySecret: {
    status: 403,
    retryable: false,
    message: 'the AccessKey Secret does not belong to that AccessKey ID',
    description: 'Console sign-in: the AccessKey Secret does not belong to that AccessKey ID.',
    origin: 'asyncfn',
  },
  InvalidSession: {
    status: 401,
    retryable: false,
    message: '{detail}',
    description:
      'Console session: the session cookie is unknown or expired (sessions last 8 hours by default); sign in again.',
    origin: 'asyncfn',
  },
  CsrfTokenMismatch: {
    status: 403,
    retryable: false,
    message: '{detail}',
    description:
      "Console session: a request that changes something lacks the session's x-asyncfn-csrf token.",
    origin: 'asyncfn',
  },
  // Extensions and FC 2.0's services.
  InstanceNotFound: {
    status: 404,
    retryable: false,
    message: "instance '{instanceId}' of function '{functionName}' does not exist or is gone",
    description:
      'Log on to an instance: no live instance of that id for that function in your account (extension).',
    origin: 'asyncfn',
  },
  InstanceTerminalUnavailable: {
    status: 409,
    retryable: false,
    message: '{detail}',
    description:
      'Log on to an instance: the instance runs unsandboxed (ASYNCFN_SANDBOX=none) or its executor offers no terminal (extension).',
    origin: 'asyncfn',
  },
  BulkOperationNotFound: {
    status: 404,
    retryable: false,
    message: "bulk operation '{operationId}' does not exist",
    description: 'No bulk operation of that id in your account (extension).',
    origin: 'asyncfn',
  },
  ServiceNotFound: {
    status: 404,
    retryable: false,
    message: "service '{serviceName}' does not exist",
    description: 'FC 2.0 API: no service of that name in your account.',
    origin: 'fc',
  },
  ServiceAlreadyExists: {
    status: 409,
    retryable: false,
    message: "service '{serviceName}' already exists",
    description: 'FC 2.0 API: a service of that name already exists.',
    origin: 'fc',
  },
  ServiceNotEmpty: {
    status: 409,
    retryable: false,
    message: "service '{serviceName}' still has functions; delete them first",
    description: 'FC 2.0 API: the service still has functions; delete them first.',
    origin: 'fc',
  },
  // Destination deliveries (recorded, never answered over HTTP).
  DestinationInvalid: {
    status: 400,
    retryable: false,
    message: '{detail}',
    description:
      'The destination cannot be delivered to (bad subject, reserved subject, unknown function): dead-lettered at once.',
    origin: 'asyncfn',
    internal: true,
  },
  DestinationRejected: {
    status: 502,
    retryable: true,
    message: '{detail}',
    description: 'The destination answered, but not with success (HTTP non-2xx, intake refusal): retried.',
    origin: 'asyncfn',
    internal: true,
  },
  DestinationUnreachable: {
    status: 503,
    retryable: true,
    message: '{detail}',
    description: 'The destination could not be reached or did not answer in time: retried.',
    origin: 'asyncfn',
    internal: true,
  },
});

export type ErrorCode = keyof typeof ERRORS;

/** The registry as rows (what the OpenAPI document lists). */
export function errorTable(): { code: ErrorCode; status: number; retryable: boolean; description: string }[] {
  return (Object.keys(ERRORS) as ErrorCode[])
    .filter((code) => !('internal' in ERRORS[code]))
    .map((code) => ({
      code,
      status: ERRORS[code].status,
      retryable: ERRORS[code].retryable,
      description: ERRORS[code].description,
    }));
}

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERRORS, code);

/** Whether the same request may succeed if sent again; unknown codes (another version's) are not. */
export const isRetryable = (code: string): boolean => isErrorCode(code) && ERRORS[code].retryable;

/** The code's message template filled in; a placeholder without a value is left out. */
export function errorMessage(code: ErrorCode, params: Record<string, string | number> = {}): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (_, key: string) =>
    params[key] === undefined ? '' : String(params[key]),
  );
}

/** An error the API answers with its code's status and this message. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  readonly status: number;
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string = errorMessage(code),
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
  }
}

/** An error from a code and its template's values. */
export const fcError = (code: ErrorCode, params: Record<string, string | number> = {}) =>
  new ApiError(code, errorMessage(code, params));

export const notFound = {
  function: (functionName: string) => fcError('FunctionNotFound', { functionName }),
  task: (functionName: string, taskId: string) => fcError('AsyncTaskNotFound', { functionName, taskId }),
  asyncConfig: (functionName: string, qualifier = 'LATEST') =>
    fcError('AsyncConfigNotExists', { functionName, qualifier }),
  trigger: (functionName: string, triggerName: string) =>
    fcError('TriggerNotFound', { functionName, triggerName }),
  version: (functionName: string, versionId: string) =>
    fcError('VersionNotFound', { functionName, versionId }),
  alias: (functionName: string, aliasName: string) => fcError('AliasNotFound', { functionName, aliasName }),
  service: (serviceName: string) => fcError('ServiceNotFound', { serviceName }),
  instance: (functionName: string, instanceId: string) =>
    fcError('InstanceNotFound', { functionName, instanceId }),
};

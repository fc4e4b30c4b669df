/**
 * The API's error codes, FC-style, each with its HTTP status and what it means. The ingress maps
 * every error to `{Code, Message, RequestId}` from this one table; a test checks each code is
 * documented in the OpenAPI document.
 */
export const ErrorCodes = {
  InvalidArgument: {
    status: 400,
    description: 'A parameter, header or body field is malformed or out of range.',
  },
  InvalidJSON: { status: 400, description: 'The request body is not valid JSON.' },
  FunctionNotFound: { status: 404, description: 'No function of that name in your account.' },
  AsyncTaskNotFound: { status: 404, description: 'No task of that id for that function in your account.' },
  AsyncConfigNotFound: { status: 404, description: 'The function has no async invoke config.' },
  TriggerNotFound: { status: 404, description: 'No trigger of that name on the function.' },
  BulkOperationNotFound: {
    status: 404,
    description: 'No bulk operation of that id in your account (extension).',
  },
  PathNotFound: { status: 404, description: 'No API route at this path and method.' },
  FunctionAlreadyExists: { status: 409, description: 'A function of that name already exists.' },
  ServiceNotFound: { status: 404, description: 'FC 2.0 API: no service of that name in your account.' },
  ServiceAlreadyExists: { status: 409, description: 'FC 2.0 API: a service of that name already exists.' },
  ServiceNotEmpty: {
    status: 409,
    description: 'FC 2.0 API: the service still has functions; delete them first.',
  },
  TriggerAlreadyExists: { status: 409, description: 'The function already has a trigger of that name.' },
  MethodNotAllowed: {
    status: 405,
    description: 'The HTTP trigger does not accept this method (see its triggerConfig.methods).',
  },
  AccessDenied: {
    status: 403,
    description:
      'The signed request belongs to another account than the resource (HTTP trigger of authType function).',
  },
  AsyncTaskAlreadyExists: {
    status: 409,
    description:
      'A task with this x-fc-async-task-id was already submitted (ids are unique while the task is retained).',
  },
  AsyncTaskAlreadyFinished: {
    status: 409,
    description: 'The task has reached a terminal state; it cannot be stopped.',
  },
  AsyncTaskNotFinished: {
    status: 409,
    description: 'The task has not finished yet; only finished tasks can be re-run.',
  },
  PayloadTooLarge: { status: 413, description: 'The invocation payload exceeds the configured limit.' },
  UnsupportedMediaType: { status: 415, description: 'The body must be JSON for this route.' },
  FunctionTimeout: {
    status: 504,
    description: 'A synchronous invocation did not finish within its timeout.',
  },
  ServiceUnavailable: {
    status: 503,
    description: 'A backing server (NATS, MongoDB) is unavailable; retry later.',
  },
  InternalServerError: { status: 500, description: 'An unexpected error; it is logged with the request id.' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** An error the API answers with its code's status and this message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ErrorCodes[code].status;
  }
}

export const notFound = {
  function: (name: string) => new ApiError('FunctionNotFound', `function '${name}' does not exist`),
  task: (fn: string, taskId: string) =>
    new ApiError('AsyncTaskNotFound', `async task '${taskId}' of function '${fn}' does not exist`),
  asyncConfig: (fn: string) =>
    new ApiError('AsyncConfigNotFound', `function '${fn}' has no async invoke config`),
  service: (name: string) => new ApiError('ServiceNotFound', `service '${name}' does not exist`),
  trigger: (fn: string, trigger: string) =>
    new ApiError('TriggerNotFound', `trigger '${trigger}' of function '${fn}' does not exist`),
};

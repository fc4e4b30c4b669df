import type { FastifyError, FastifyInstance } from 'fastify';
import { FC2_API, parseFc2FunctionName } from '@asyncfn/core';
import { ApiError, ERRORS, errorMessage, type ErrorCode } from '@asyncfn/contracts';

/** FC's error body. */
export interface ErrorBody {
  Code: string;
  Message: string;
  RequestId: string;
}

const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'EntityTooLarge', message: 'request body exceeds the size limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UnsupportedMediaType' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'InvalidArgument',
    message: 'Content-Length does not match the body',
  },
};

/** The one place errors become HTTP answers: FC-style {Code, Message, RequestId} with the code's status. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    // AuthError is an ApiError too (its codes are in the same registry).
    if (error instanceof ApiError) {
      status = error.status;
      body = { Code: error.code, Message: error.message, RequestId: request.id };
      if (status >= 500 && status !== 501) request.log.error({ err: error.cause ?? error }, error.message);
    } else if (error.code && FASTIFY_ERRORS[error.code]) {
      const mapped = FASTIFY_ERRORS[error.code]!;
      status = ERRORS[mapped.code].status;
      body = { Code: mapped.code, Message: mapped.message ?? error.message, RequestId: request.id };
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      body = { Code: 'InvalidArgument', Message: error.message, RequestId: request.id };
    } else if (isUnavailable(error)) {
      status = ERRORS.ServiceUnavailable.status;
      body = {
        Code: 'ServiceUnavailable',
        Message: errorMessage('ServiceUnavailable'),
        RequestId: request.id,
      };
      request.log.error({ err: error }, 'backing server unavailable');
    } else {
      status = ERRORS.InternalServerError.status;
      body = {
        Code: 'InternalServerError',
        Message: errorMessage('InternalServerError'),
        RequestId: request.id,
      };
      request.log.error({ err: error }, 'unhandled error');
    }
    void reply
      .status(status)
      .header('content-type', 'application/json')
      .send(request.url.startsWith(`${FC2_API}/`) ? fc2ErrorBody(body) : body);
  });
  // FC answers an unknown path or method with 400 PathNotSupported.
  app.setNotFoundHandler((request, reply) => {
    const body = {
      Code: 'PathNotSupported',
      Message: errorMessage('PathNotSupported', { method: request.method, path: request.url.split('?')[0]! }),
      RequestId: request.id,
    };
    void reply
      .status(ERRORS.PathNotSupported.status)
      .send(request.url.startsWith(`${FC2_API}/`) ? fc2ErrorBody(body) : body);
  });
}

function isUnavailable(error: Error): boolean {
  const name = error.name ?? '';
  return /MongoServerSelectionError|MongoNetworkError|MongoNotConnectedError|ConnectionError|TimeoutError|ClosedConnectionError/.test(
    name,
  );
}

/**
 * FC 2.0's error body: FC 2.0 answers `{ErrorCode, ErrorMessage}` (what `@alicloud/fc2` reads),
 * the 2021-04-06 SDK reads `{Code, Message, RequestId}`; both are sent. A mapped function name in
 * a message is told as the 2.0 service/function it is.
 */
export function fc2ErrorBody(body: ErrorBody): ErrorBody & { ErrorCode: string; ErrorMessage: string } {
  const message = body.Message.replace(/fc2_\d{1,3}_[A-Za-z0-9_-]+/g, (name) => {
    const pair = parseFc2FunctionName(name);
    return pair ? `${pair.serviceName}/${pair.functionName}` : name;
  });
  return { ...body, Message: message, ErrorCode: body.Code, ErrorMessage: message };
}

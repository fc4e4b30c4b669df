import { Type, type Static } from 'typebox';
import { errorTable } from '../errors.js';

/*
 * The HTTP API's shapes as JSON Schema (TypeBox). The ingress's route schemas reference them by
 * $id, @fastify/swagger turns them into the OpenAPI document's components, and the TypeScript types
 * of the records they describe are derived from them (Static<>), so the document cannot drift from
 * the types.
 */

const codes = errorTable().map((entry) => entry.code);

/** FC's error body: every error the API answers has this shape, with the code's status. */
export const FcErrorSchema = Type.Object(
  {
    Code: Type.Unsafe<string>({ type: 'string', enum: codes, description: 'see x-error-codes' }),
    Message: Type.String(),
    RequestId: Type.String(),
  },
  { $id: 'Error', description: "An error, FC-style (the code's HTTP status is in x-error-codes)" },
);
export type FcErrorBody = Static<typeof FcErrorSchema>;

/**
 * FC 2.0's error body (/2021-04-06 routes): FC 2.0's `{ErrorCode, ErrorMessage}`, which
 * `@alicloud/fc2` reads, beside the 2021-04-06 SDK's `{Code, Message, RequestId}`.
 */
export const Fc2ErrorSchema = Type.Object(
  {
    ...FcErrorSchema.properties,
    ErrorCode: Type.Unsafe<string>({ type: 'string', enum: codes }),
    ErrorMessage: Type.String(),
  },
  { $id: 'Fc2Error', description: 'An error, FC 2.0-style (both the 2.0 and the 2021-04-06 SDK fields)' },
);
export type Fc2ErrorBody = Static<typeof Fc2ErrorSchema>;

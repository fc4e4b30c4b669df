import { Type, type TSchema } from 'typebox';
import { Fc2ErrorSchema, FcErrorSchema, ref } from '@asyncfn/contracts';

/*
 * Building blocks of the route schemas. The schemas document the API (they generate the OpenAPI
 * document); they do not validate (see document.ts for why).
 */

export const name = (description?: string) => Type.String(description ? { description } : {});

export const FunctionParams = Type.Object({ functionName: name() });
export const TaskParams = Type.Object({ functionName: name(), taskId: name() });

/** Query parameters are documented as strings: the routes parse them (FC's messages on bad ones). */
export const query = (names: string[], described: Record<string, string> = {}) =>
  Type.Object(
    Object.fromEntries(
      names.map((n) => [n, Type.Optional(Type.String(described[n] ? { description: described[n] } : {}))]),
    ),
  );

export const PageQuery = query(['prefix', 'limit', 'nextToken']);

/** Every 3.0 operation may answer an FC error. */
export const error = { default: ref(FcErrorSchema) };
export const fc2Error = { default: ref(Fc2ErrorSchema) };

/** A JSON answer: a shared schema, or an open object described in words. */
export const ok = (schema: TSchema) => ({ 200: schema, ...error });
export const json = (description: string, properties: Record<string, TSchema> = {}) =>
  Type.Object(properties, { description, additionalProperties: true });

/** An answer without a body (FC's 204 for deletes, 200/202 with an empty body). */
export const empty = (description: string) => Type.Null({ description });

export const deleted = { 204: empty('deleted'), ...error };

/** An operation FC has and asyncfn does not serve: 501. */
export const notServed = (operationId?: string) => ({
  ...(operationId ? { operationId } : {}),
  description: 'Not served by asyncfn: 501 NotImplemented (see docs/fc-compatibility.md).',
  response: { 501: ref(FcErrorSchema), ...error },
});

/** Request headers of the task-accepting routes (invoke, re-run, HTTP triggers). */
export const taskIdHeader = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,127}$' });
export const delayHeader = Type.Integer({
  minimum: 0,
  maximum: 3600,
  description: 'extension: seconds before the task is due',
});

import { Type } from 'typebox';
import { deleted, error, FunctionParams, json, notServed, ok, PageQuery, query } from './common.js';

/*
 * Route schemas: FC's versions, aliases, concurrency, invocation switch and code; asyncfn's
 * dispatch pause; and the FC operations answered 501.
 */

const VersionParams = Type.Object({ functionName: Type.String(), versionId: Type.String() });
const AliasParams = Type.Object({ functionName: Type.String(), aliasName: Type.String() });

const Version = Type.Object(
  {
    versionId: Type.String(),
    description: Type.String(),
    createdTime: Type.String(),
    lastModifiedTime: Type.String(),
  },
  { additionalProperties: true },
);
const Alias = Type.Object(
  {
    aliasName: Type.String(),
    versionId: Type.String(),
    additionalVersionWeight: Type.Optional(Type.Object({}, { additionalProperties: Type.Number() })),
    description: Type.Optional(Type.String()),
    createdTime: Type.String(),
    lastModifiedTime: Type.String(),
  },
  { additionalProperties: true },
);
const Concurrency = Type.Object({
  functionArn: Type.String(),
  reservedConcurrency: Type.Optional(Type.Integer()),
});
const Dispatch = Type.Object({
  functionName: Type.String(),
  paused: Type.Boolean(),
  pausedAt: Type.Optional(Type.String()),
});
const Success = Type.Object({ success: Type.Boolean() });

export const versionSchemas = {
  publish: {
    operationId: 'PublishFunctionVersion',
    description: "FC's PublishFunctionVersion: a snapshot of the function's config and code.",
    params: FunctionParams,
    body: json('description (at most 256 characters)'),
    response: ok(Version),
  },
  list: {
    operationId: 'ListFunctionVersions',
    description: 'Newest first (direction BACKWARD) or FORWARD; limit, nextToken.',
    params: FunctionParams,
    querystring: query(['direction', 'limit', 'nextToken']),
    response: ok(
      Type.Object({
        versions: Type.Array(Version),
        direction: Type.String(),
        nextToken: Type.Optional(Type.String()),
      }),
    ),
  },
  delete: {
    operationId: 'DeleteFunctionVersion',
    description: '409 ResourceInUse while an alias points at it.',
    params: VersionParams,
    response: deleted,
  },
  createAlias: {
    operationId: 'CreateAlias',
    description: 'versionId and additionalVersionWeight ({versionId: share 0-1}).',
    params: FunctionParams,
    body: json('aliasName, versionId, additionalVersionWeight, description'),
    response: ok(Alias),
  },
  listAliases: {
    operationId: 'ListAliases',
    params: FunctionParams,
    querystring: PageQuery,
    response: ok(Type.Object({ aliases: Type.Array(Alias), nextToken: Type.Optional(Type.String()) })),
  },
  getAlias: { operationId: 'GetAlias', params: AliasParams, response: ok(Alias) },
  updateAlias: {
    operationId: 'UpdateAlias',
    description: 'Fields given replace the old ones.',
    params: AliasParams,
    body: json('versionId, additionalVersionWeight, description'),
    response: ok(Alias),
  },
  deleteAlias: { operationId: 'DeleteAlias', params: AliasParams, response: deleted },
};

export const controlSchemas = {
  putConcurrency: {
    operationId: 'PutConcurrencyConfig',
    description:
      'reservedConcurrency: running attempts allowed at once (tasks beyond wait Enqueued, reason concurrencyLimit; sync calls beyond: 429 ResourceThrottled).',
    params: FunctionParams,
    body: json('reservedConcurrency: an integer, 0-100000', {
      reservedConcurrency: Type.Integer({ minimum: 0, maximum: 100000 }),
    }),
    response: ok(Concurrency),
  },
  getConcurrency: {
    operationId: 'GetConcurrencyConfig',
    description: 'functionArn, and reservedConcurrency when set.',
    params: FunctionParams,
    response: ok(Concurrency),
  },
  deleteConcurrency: { operationId: 'DeleteConcurrencyConfig', params: FunctionParams, response: deleted },
  listConcurrency: {
    operationId: 'ListConcurrencyConfigs',
    querystring: query(['functionName', 'limit', 'nextToken'], { functionName: 'a name prefix' }),
    response: ok(Type.Object({ configs: Type.Array(Concurrency), nextToken: Type.Optional(Type.String()) })),
  },
  disable: {
    operationId: 'DisableFunctionInvocation',
    description:
      'New invocations get 412 FunctionDisabled; queued tasks wait (reason invocationDisabled); abortOngoingRequest stops Running tasks.',
    params: FunctionParams,
    body: json('reason, abortOngoingRequest', {
      reason: Type.Optional(Type.String()),
      abortOngoingRequest: Type.Optional(Type.Boolean()),
    }),
    response: ok(Success),
  },
  enable: { operationId: 'EnableFunctionInvocation', params: FunctionParams, response: ok(Success) },
  pause: {
    operationId: 'PauseDispatch',
    description:
      'extension: queued tasks stay Enqueued (enqueuedReason paused); new invocations are still accepted.',
    params: FunctionParams,
    response: ok(Dispatch),
  },
  resume: {
    operationId: 'ResumeDispatch',
    description: 'extension: dispatching goes on.',
    params: FunctionParams,
    response: ok(Dispatch),
  },
  dispatch: {
    operationId: 'GetDispatchState',
    description: 'extension: paused, pausedAt.',
    params: FunctionParams,
    response: ok(Dispatch),
  },
  code: {
    operationId: 'GetFunctionCode',
    description:
      'url (served by the ingress, valid 10 minutes, no signature needed) and checksum (sha256 hex of the zip).',
    params: FunctionParams,
    querystring: query(['qualifier']),
    response: ok(Type.Object({ url: Type.String(), checksum: Type.String() })),
  },
  codeDownload: {
    operationId: 'DownloadFunctionCode',
    security: [],
    description:
      "GetFunctionCode's url: the zip, without a signature (the token is the credential; 403 AccessDenied once expired).",
    params: Type.Object({ token: Type.String() }),
    response: {
      200: {
        description: 'the zip',
        content: { 'application/zip': { schema: Type.String({ format: 'binary' }) } },
      },
      ...error,
    },
  },
  notServed,
};

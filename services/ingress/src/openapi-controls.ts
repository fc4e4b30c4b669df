/**
 * The OpenAPI paths of FC's controls (versions, aliases, concurrency, invocation switch, code),
 * asyncfn's dispatch pause, and the FC operations answered 501: merged into the document.
 */
export function controlPaths(): Record<string, unknown> {
  const error = { $ref: '#/components/responses/Error' };
  const fn = { name: 'functionName', in: 'path', required: true, schema: { type: 'string' } };
  const qualifier = { name: 'qualifier', in: 'query', schema: { type: 'string' } };
  const op = (operationId: string, description: string, extra: Record<string, unknown> = {}) => ({
    operationId,
    description,
    responses: { '200': { description: 'OK' }, default: error },
    ...extra,
  });
  const gone = (operationId: string) =>
    op(operationId, `Not served by asyncfn: 501 NotImplemented (see docs/fc-compatibility.md).`, {
      responses: { '501': { description: 'NotImplemented' }, default: error },
    });
  const base = '/2023-03-30/functions/{functionName}';
  return {
    [`${base}/versions`]: {
      parameters: [fn],
      post: op(
        'PublishFunctionVersion',
        "FC's PublishFunctionVersion: a snapshot of the function's config and code.",
      ),
      get: op('ListFunctionVersions', 'Newest first (direction BACKWARD) or FORWARD; limit, nextToken.'),
    },
    [`${base}/versions/{versionId}`]: {
      parameters: [fn, { name: 'versionId', in: 'path', required: true, schema: { type: 'string' } }],
      delete: op('DeleteFunctionVersion', '409 ResourceInUse while an alias points at it.'),
    },
    [`${base}/aliases`]: {
      parameters: [fn],
      post: op('CreateAlias', 'versionId and additionalVersionWeight ({versionId: share 0-1}).'),
      get: op('ListAliases', 'prefix, limit, nextToken.'),
    },
    [`${base}/aliases/{aliasName}`]: {
      parameters: [fn, { name: 'aliasName', in: 'path', required: true, schema: { type: 'string' } }],
      get: op('GetAlias', "FC's GetAlias."),
      put: op('UpdateAlias', 'Fields given replace the old ones.'),
      delete: op('DeleteAlias', "FC's DeleteAlias."),
    },
    [`${base}/concurrency`]: {
      parameters: [fn],
      put: op(
        'PutConcurrencyConfig',
        'reservedConcurrency: running attempts allowed at once (tasks beyond wait Enqueued, reason concurrencyLimit; sync calls beyond: 429 ResourceThrottled).',
      ),
      get: op('GetConcurrencyConfig', 'functionArn, and reservedConcurrency when set.'),
      delete: op('DeleteConcurrencyConfig', "FC's DeleteConcurrencyConfig."),
    },
    '/2023-03-30/concurrency-configs': {
      get: op('ListConcurrencyConfigs', 'functionName (prefix), limit, nextToken.'),
    },
    [`${base}/invoke/disable`]: {
      parameters: [fn],
      post: op(
        'DisableFunctionInvocation',
        'New invocations get 412 FunctionDisabled; queued tasks wait (reason invocationDisabled); abortOngoingRequest stops Running tasks.',
      ),
    },
    [`${base}/invoke/enable`]: {
      parameters: [fn],
      post: op('EnableFunctionInvocation', "FC's EnableFunctionInvocation."),
    },
    [`${base}/code`]: {
      parameters: [fn, qualifier],
      get: op(
        'GetFunctionCode',
        'url (served by the ingress, valid 10 minutes, no signature needed) and checksum (sha256 hex of the zip).',
      ),
    },
    [`${base}/dispatch/pause`]: {
      parameters: [fn],
      post: op(
        'PauseDispatch',
        'Extension: queued tasks stay Enqueued (enqueuedReason paused); new invocations are still accepted.',
      ),
    },
    [`${base}/dispatch/resume`]: {
      parameters: [fn],
      post: op('ResumeDispatch', 'Extension: dispatching goes on.'),
    },
    [`${base}/dispatch`]: { parameters: [fn], get: op('GetDispatchState', 'Extension: paused, pausedAt.') },
    [`${base}/provision-config`]: {
      parameters: [fn],
      get: gone('GetProvisionConfig'),
      put: gone('PutProvisionConfig'),
      delete: gone('DeleteProvisionConfig'),
    },
    '/2023-03-30/provision-configs': { get: gone('ListProvisionConfigs') },
    [`${base}/vpc-bindings`]: {
      parameters: [fn],
      get: gone('ListVpcBindings'),
      post: gone('CreateVpcBinding'),
    },
    '/2023-03-30/layers': { get: gone('ListLayers') },
  };
}

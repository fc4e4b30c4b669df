import type { FastifyInstance } from 'fastify';
import type { AsyncConfig, FunctionRecord } from '@asyncfn/contracts';
import {
  ApiError,
  buildAsyncConfig,
  checkQualifier,
  foreignFunctionArns,
  notFound,
  parseAsyncConfig,
  parseFunctionName,
  parsePageQuery,
  parseQualifier,
} from '@asyncfn/core';
import { putFunction } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { API, jsonBody } from '../http.js';
import { asyncConfigSchemas as schemas } from '../openapi/functions.js';

type NameParams = { Params: { functionName: string } };
type QualifiedParams = NameParams & { Querystring: { qualifier?: string } };

/* The operations, shared with the FC 2.0 routes (which know no qualifier: LATEST). */

/** The function and the qualifier's config (LATEST: the function's own; else a version's or alias's). */
async function target(deps: IngressDeps, tenant: string, name: string, rawQualifier: unknown) {
  const fn = await deps.functions.get(tenant, name);
  if (!fn) throw notFound.function(name);
  const qualifier = parseQualifier(rawQualifier);
  checkQualifier(fn, qualifier);
  const current = qualifier === 'LATEST' ? fn.asyncConfig : fn.qualifierAsyncConfigs?.[qualifier];
  return { fn, qualifier, current };
}

function withConfig(fn: FunctionRecord, qualifier: string, config: AsyncConfig | undefined): FunctionRecord {
  if (qualifier === 'LATEST') {
    const { asyncConfig: _old, ...rest } = fn;
    return config ? { ...rest, asyncConfig: config } : rest;
  }
  const { qualifierAsyncConfigs, ...rest } = fn;
  const configs = { ...qualifierAsyncConfigs };
  if (config) configs[qualifier] = config;
  else delete configs[qualifier];
  return Object.keys(configs).length ? { ...rest, qualifierAsyncConfigs: configs } : rest;
}

/** PutAsyncInvokeConfig: replaces the whole config (as FC), and answers the stored one. */
export async function putAsyncConfig(
  deps: IngressDeps,
  tenant: string,
  name: string,
  body: unknown,
  rawQualifier?: unknown,
): Promise<AsyncConfig> {
  const { fn, qualifier, current } = await target(deps, tenant, name, rawQualifier);
  const input = parseAsyncConfig(body);
  const foreign = foreignFunctionArns(input.destinationConfig, tenant);
  if (foreign.length > 0) {
    throw new ApiError(
      'InvalidArgument',
      `destinationConfig: '${foreign[0]!.slice(0, 200)}' is a function of another account; destinations deliver within account '${tenant}'`,
    );
  }
  const config = buildAsyncConfig(fn, input, new Date(deps.clock?.() ?? Date.now()), current);
  const record = withConfig(fn, qualifier, config);
  if (!(await deps.functions.replace(record))) throw notFound.function(fn.functionName);
  await putFunction(deps.functionsKv, record);
  return config;
}

export async function getAsyncConfig(
  deps: IngressDeps,
  tenant: string,
  name: string,
  rawQualifier?: unknown,
): Promise<AsyncConfig> {
  const { qualifier, current } = await target(deps, tenant, name, rawQualifier);
  if (!current) throw notFound.asyncConfig(name, qualifier);
  return current;
}

export async function deleteAsyncConfig(
  deps: IngressDeps,
  tenant: string,
  name: string,
  rawQualifier?: unknown,
): Promise<void> {
  const { fn, qualifier, current } = await target(deps, tenant, name, rawQualifier);
  if (!current) throw notFound.asyncConfig(name, qualifier);
  const record = withConfig(fn, qualifier, undefined);
  await deps.functions.replace(record);
  await putFunction(deps.functionsKv, record);
}

export async function asyncConfigRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const path = `${API}/functions/:functionName/async-invoke-config`;
  const nameOf = (request: { params: { functionName: string } }) =>
    parseFunctionName(request.params.functionName);

  app.put<QualifiedParams>(path, { schema: schemas.put }, async (request) =>
    putAsyncConfig(deps, request.tenant, nameOf(request), jsonBody(request), request.query.qualifier),
  );

  app.get<QualifiedParams>(path, { schema: schemas.get }, async (request) =>
    getAsyncConfig(deps, request.tenant, nameOf(request), request.query.qualifier),
  );

  app.delete<QualifiedParams>(path, { schema: schemas.delete }, async (request, reply) => {
    await deleteAsyncConfig(deps, request.tenant, nameOf(request), request.query.qualifier);
    return reply.status(204).send();
  });

  app.get(`${API}/async-invoke-configs`, { schema: schemas.list }, async (request) => {
    const q = parsePageQuery(request.query);
    if (q.functionName) {
      const fn = await deps.functions.get(request.tenant, parseFunctionName(q.functionName));
      return { configs: fn?.asyncConfig ? [fn.asyncConfig] : [] };
    }
    // Walks functions in name order; the token is the last function name looked at.
    const configs = [];
    let after = q.nextToken;
    let more = true;
    while (configs.length < q.limit && more) {
      const batch = await deps.functions.list(request.tenant, { limit: 100, ...(after ? { after } : {}) });
      more = batch.length === 100;
      for (const fn of batch) {
        after = fn.functionName;
        if (fn.asyncConfig) configs.push(fn.asyncConfig);
        if (configs.length === q.limit) {
          more = true;
          break;
        }
      }
    }
    return { configs, ...(more && after ? { nextToken: after } : {}) };
  });
}

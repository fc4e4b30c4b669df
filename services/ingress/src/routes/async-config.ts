import type { FastifyInstance } from 'fastify';
import type { AsyncConfig, FunctionRecord } from '@asyncfn/contracts';
import {
  ApiError,
  buildAsyncConfig,
  checkQualifier,
  foreignFunctionArns,
  hasDestinations,
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
  const built = buildAsyncConfig(fn, input, new Date(deps.clock?.() ?? Date.now()), current);
  // A version's or alias's config names it in its ARN, as a qualified function ARN does.
  const config = qualifier === 'LATEST' ? built : { ...built, functionArn: `${fn.functionArn}/${qualifier}` };
  const record = withConfig(fn, qualifier, config);
  if (!(await deps.functions.replace(record))) throw notFound.function(fn.functionName);
  await putFunction(deps.functionsKv, record);
  // The function's terminal events reach the destination service only once it has seen this.
  if (hasDestinations(record) && !hasDestinations(fn)) {
    await deps.destinationFilter?.awaitIncludes(tenant, fn.functionName);
  }
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
      return { configs: fn ? configsOf(fn).map((c) => c.config) : [] };
    }
    // Walks functions in name order, each function's configs LATEST first then by qualifier; the
    // token is the last config returned (`function/qualifier`), so a page may end inside a function.
    const configs: AsyncConfig[] = [];
    const [tokenFunction, tokenQualifier] = (q.nextToken ?? '').split('/');
    let after = tokenFunction || undefined;
    let last: string | undefined;
    const take = (fn: FunctionRecord, afterQualifier?: string) => {
      for (const c of configsOf(fn)) {
        if (afterQualifier !== undefined && c.qualifier <= afterQualifier) continue;
        if (configs.length === q.limit) return false;
        configs.push(c.config);
        last = `${fn.functionName}/${c.qualifier}`;
      }
      return true;
    };
    let more = true;
    if (tokenFunction && tokenQualifier !== undefined) {
      const fn = await deps.functions.get(request.tenant, tokenFunction);
      if (fn && !take(fn, tokenQualifier)) more = false;
    }
    let full = !more;
    while (more) {
      const batch = await deps.functions.list(request.tenant, { limit: 100, ...(after ? { after } : {}) });
      more = batch.length === 100;
      for (const fn of batch) {
        after = fn.functionName;
        if (!take(fn)) {
          full = true;
          more = false;
          break;
        }
      }
    }
    return { configs, ...(full && last ? { nextToken: last } : {}) };
  });
}

/** A function's async configs: LATEST's first (qualifier ''), then each version's or alias's by name. */
function configsOf(fn: FunctionRecord): { qualifier: string; config: AsyncConfig }[] {
  const qualified = Object.entries(fn.qualifierAsyncConfigs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([qualifier, config]) => ({ qualifier, config }));
  return [...(fn.asyncConfig ? [{ qualifier: '', config: fn.asyncConfig }] : []), ...qualified];
}

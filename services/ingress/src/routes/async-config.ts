import type { FastifyInstance } from 'fastify';
import type { AsyncConfig } from '@asyncfn/contracts';
import {
  buildAsyncConfig,
  notFound,
  parseAsyncConfig,
  parseFunctionName,
  parsePageQuery,
} from '@asyncfn/core';
import { putFunction } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { API, jsonBody } from '../http.js';

type NameParams = { Params: { functionName: string } };

/** PutAsyncInvokeConfig (shared with the FC 2.0 routes): the stored config. */
export async function putAsyncConfig(
  deps: IngressDeps,
  tenant: string,
  name: string,
  body: unknown,
): Promise<AsyncConfig> {
  const input = parseAsyncConfig(body);
  const fn = await deps.functions.get(tenant, name);
  if (!fn) throw notFound.function(name);
  const asyncConfig = buildAsyncConfig(fn, input, new Date(deps.clock?.() ?? Date.now()));
  const record = { ...fn, asyncConfig };
  if (!(await deps.functions.replace(record))) throw notFound.function(name);
  await putFunction(deps.functionsKv, record);
  return asyncConfig;
}

export async function getAsyncConfig(deps: IngressDeps, tenant: string, name: string): Promise<AsyncConfig> {
  const fn = await deps.functions.get(tenant, name);
  if (!fn) throw notFound.function(name);
  if (!fn.asyncConfig) throw notFound.asyncConfig(name);
  return fn.asyncConfig;
}

export async function deleteAsyncConfig(deps: IngressDeps, tenant: string, name: string): Promise<void> {
  const fn = await deps.functions.get(tenant, name);
  if (!fn) throw notFound.function(name);
  if (!fn.asyncConfig) throw notFound.asyncConfig(name);
  const { asyncConfig: _removed, ...record } = fn;
  await deps.functions.replace(record);
  await putFunction(deps.functionsKv, record);
}

export async function asyncConfigRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const path = `${API}/functions/:functionName/async-invoke-config`;

  app.put<NameParams>(path, async (request) =>
    putAsyncConfig(deps, request.tenant, parseFunctionName(request.params.functionName), jsonBody(request)),
  );

  app.get<NameParams>(path, async (request) =>
    getAsyncConfig(deps, request.tenant, parseFunctionName(request.params.functionName)),
  );

  app.delete<NameParams>(path, async (request, reply) => {
    await deleteAsyncConfig(deps, request.tenant, parseFunctionName(request.params.functionName));
    return reply.status(204).send();
  });

  app.get(`${API}/async-invoke-configs`, async (request) => {
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

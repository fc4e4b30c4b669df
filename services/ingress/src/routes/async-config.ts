import type { FastifyInstance } from 'fastify';
import {
  ApiError,
  buildAsyncConfig,
  foreignFunctionArns,
  notFound,
  parseAsyncConfig,
  parseFunctionName,
  parsePageQuery,
} from '@asyncfn/core';
import { putFunction } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { API, jsonBody } from '../http.js';

type NameParams = { Params: { functionName: string } };

export async function asyncConfigRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const now = () => new Date(deps.clock?.() ?? Date.now());
  const path = `${API}/functions/:functionName/async-invoke-config`;

  app.put<NameParams>(path, async (request) => {
    const name = parseFunctionName(request.params.functionName);
    const input = parseAsyncConfig(jsonBody(request));
    const foreign = foreignFunctionArns(input.destinationConfig, request.tenant);
    if (foreign.length > 0) {
      throw new ApiError(
        'InvalidArgument',
        `destinationConfig: '${foreign[0]!.slice(0, 200)}' is a function of another account; destinations deliver within account '${request.tenant}'`,
      );
    }
    const fn = await deps.functions.get(request.tenant, name);
    if (!fn) throw notFound.function(name);
    const record = { ...fn, asyncConfig: buildAsyncConfig(fn, input, now()) };
    if (!(await deps.functions.replace(record))) throw notFound.function(name);
    await putFunction(deps.functionsKv, record);
    return record.asyncConfig;
  });

  app.get<NameParams>(path, async (request) => {
    const name = parseFunctionName(request.params.functionName);
    const fn = await deps.functions.get(request.tenant, name);
    if (!fn) throw notFound.function(name);
    if (!fn.asyncConfig) throw notFound.asyncConfig(name);
    return fn.asyncConfig;
  });

  app.delete<NameParams>(path, async (request, reply) => {
    const name = parseFunctionName(request.params.functionName);
    const fn = await deps.functions.get(request.tenant, name);
    if (!fn) throw notFound.function(name);
    if (!fn.asyncConfig) throw notFound.asyncConfig(name);
    const { asyncConfig: _removed, ...record } = fn;
    await deps.functions.replace(record);
    await putFunction(deps.functionsKv, record);
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

import type { FastifyInstance } from 'fastify';
import type { AsyncConfig, FunctionRecord } from '@asyncfn/contracts';
import {
  ApiError,
  buildAsyncConfig,
  checkQualifier,
  foreignFunctionArns,
  parseQualifier,
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

  type QualifiedParams = NameParams & { Querystring: { qualifier?: string } };
  /** The function and the qualifier (LATEST: the function's own config; else a version's or alias's). */
  const target = async (request: {
    tenant: string;
    params: { functionName: string };
    query: { qualifier?: string };
  }) => {
    const name = parseFunctionName(request.params.functionName);
    const fn = await deps.functions.get(request.tenant, name);
    if (!fn) throw notFound.function(name);
    const qualifier = parseQualifier(request.query.qualifier);
    checkQualifier(fn, qualifier);
    const current = qualifier === 'LATEST' ? fn.asyncConfig : fn.qualifierAsyncConfigs?.[qualifier];
    return { fn, name, qualifier, current };
  };
  const withConfig = (
    fn: FunctionRecord,
    qualifier: string,
    config: AsyncConfig | undefined,
  ): FunctionRecord => {
    if (qualifier === 'LATEST') {
      const { asyncConfig: _old, ...rest } = fn;
      return config ? { ...rest, asyncConfig: config } : rest;
    }
    const { qualifierAsyncConfigs, ...rest } = fn;
    const configs = { ...qualifierAsyncConfigs };
    if (config) configs[qualifier] = config;
    else delete configs[qualifier];
    return Object.keys(configs).length ? { ...rest, qualifierAsyncConfigs: configs } : rest;
  };

  app.put<QualifiedParams>(path, async (request) => {
    const { fn, qualifier, current } = await target(request);
    const input = parseAsyncConfig(jsonBody(request));
    const foreign = foreignFunctionArns(input.destinationConfig, request.tenant);
    if (foreign.length > 0) {
      throw new ApiError(
        'InvalidArgument',
        `destinationConfig: '${foreign[0]!.slice(0, 200)}' is a function of another account; destinations deliver within account '${request.tenant}'`,
      );
    }
    const config = buildAsyncConfig(fn, input, now(), current);
    const record = withConfig(fn, qualifier, config);
    if (!(await deps.functions.replace(record))) throw notFound.function(fn.functionName);
    await putFunction(deps.functionsKv, record);
    return config;
  });

  app.get<QualifiedParams>(path, async (request) => {
    const { name, qualifier, current } = await target(request);
    if (!current) throw notFound.asyncConfig(name, qualifier);
    return current;
  });

  app.delete<QualifiedParams>(path, async (request, reply) => {
    const { fn, name, qualifier, current } = await target(request);
    if (!current) throw notFound.asyncConfig(name, qualifier);
    const record = withConfig(fn, qualifier, undefined);
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

import type { FastifyInstance } from 'fastify';
import {
  FC2_API,
  fc2AsyncConfigBody,
  fc2AsyncConfigView,
  parseFc2FunctionName,
  parsePageQuery,
} from '@asyncfn/core';
import type { IngressDeps } from '../../deps.js';
import { fc2Schemas as schemas } from '../../openapi/fc2.js';
import { jsonBody } from '../../http.js';
import { deleteAsyncConfig, getAsyncConfig, putAsyncConfig } from '../async-config.js';
import { resolveFunction, type FunctionParams } from './functions.js';

/**
 * FC 2.0 Put/Get/DeleteFunctionAsyncInvokeConfig (statefulInvocation is the 3.0 asyncTask) and
 * ListStatefulAsyncInvocationFunctions (the 2.0 functions whose tasks are recorded).
 */
export async function fc2AsyncConfigRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const path = `${FC2_API}/services/:serviceName/functions/:functionName/async-invoke-config`;

  app.put<FunctionParams>(path, { schema: schemas.putAsyncConfig }, async (request) => {
    const fn = await resolveFunction(deps, request.tenant, request.params);
    const config = await putAsyncConfig(
      deps,
      request.tenant,
      fn.mapped,
      fc2AsyncConfigBody(jsonBody(request)),
    );
    return fc2AsyncConfigView(config, fn);
  });

  app.get<FunctionParams>(path, { schema: schemas.getAsyncConfig }, async (request) => {
    const fn = await resolveFunction(deps, request.tenant, request.params);
    return fc2AsyncConfigView(await getAsyncConfig(deps, request.tenant, fn.mapped), fn);
  });

  app.delete<FunctionParams>(path, { schema: schemas.deleteAsyncConfig }, async (request, reply) => {
    const fn = await resolveFunction(deps, request.tenant, request.params);
    await deleteAsyncConfig(deps, request.tenant, fn.mapped);
    return reply.status(204).send();
  });

  app.get(
    `${FC2_API}/stateful-async-invocation-functions`,
    { schema: schemas.statefulFunctions },
    async (request) => {
      const q = parsePageQuery(request.query);
      // Walks the 2.0 functions (mapped names share the fc2_ prefix) in name order; the token is
      // the last mapped name looked at.
      const data: { serviceName: string; functionName: string; qualifier: string }[] = [];
      let after = q.nextToken;
      let more = true;
      while (data.length < q.limit && more) {
        const batch = await deps.functions.list(request.tenant, {
          prefix: 'fc2_',
          limit: 100,
          ...(after ? { after } : {}),
        });
        more = batch.length === 100;
        for (const record of batch) {
          after = record.functionName;
          const pair = parseFc2FunctionName(record.functionName);
          if (pair && record.asyncConfig?.asyncTask) data.push({ ...pair, qualifier: 'LATEST' });
          if (data.length === q.limit) {
            more = true;
            break;
          }
        }
      }
      return { data, ...(more && after ? { nextToken: after } : {}) };
    },
  );
}

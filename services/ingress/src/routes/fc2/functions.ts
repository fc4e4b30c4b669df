import type { FastifyInstance } from 'fastify';
import {
  FC2_API,
  fc2FunctionBody,
  fc2FunctionName,
  fc2FunctionView,
  fc2ServicePrefix,
  parseFc2FunctionName,
  parsePageQuery,
} from '@asyncfn/core';
import type { IngressDeps } from '../../deps.js';
import { fc2Schemas as schemas } from '../../openapi/fc2.js';
import { jsonBody } from '../../http.js';
import {
  CODE_BODY_LIMIT,
  createFunctionFromBody,
  deleteFunctionNamed,
  getFunctionRecord,
  updateFunctionFromBody,
} from '../functions.js';
import { requireService } from './services.js';

type ServiceParams = { Params: { serviceName: string } };
export type FunctionParams = { Params: { serviceName: string; functionName: string } };

/** The 3.0 function a 2.0 path names (its service must exist), with the pair's names. */
export async function resolveFunction(
  deps: IngressDeps,
  tenant: string,
  params: { serviceName: string; functionName: string },
) {
  const service = await requireService(deps, tenant, params.serviceName);
  return {
    serviceName: service.serviceName,
    functionName: params.functionName,
    mapped: fc2FunctionName(service.serviceName, params.functionName),
  };
}

/** FC 2.0 functions: the 3.0 function operations under mapped names, in 2.0's shapes. */
export async function fc2FunctionRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const base = `${FC2_API}/services/:serviceName/functions`;

  app.post<ServiceParams>(
    base,
    { schema: schemas.createFunction, bodyLimit: CODE_BODY_LIMIT },
    async (request) => {
      const service = await requireService(deps, request.tenant, request.params.serviceName);
      const body = jsonBody(request) as { functionName?: unknown };
      const functionName = typeof body.functionName === 'string' ? body.functionName : '';
      const mapped = fc2FunctionName(service.serviceName, functionName);
      const record = await createFunctionFromBody(deps, request.tenant, fc2FunctionBody(body, mapped));
      return fc2FunctionView(record, functionName);
    },
  );

  app.get<ServiceParams>(base, { schema: schemas.listFunctions }, async (request) => {
    const service = await requireService(deps, request.tenant, request.params.serviceName);
    const q = parsePageQuery(request.query);
    const prefix = fc2ServicePrefix(service.serviceName);
    const records = await deps.functions.list(request.tenant, {
      limit: q.limit + 1,
      prefix: prefix + (q.prefix ?? ''),
      ...(q.nextToken ? { after: prefix + q.nextToken } : {}),
    });
    const views = records.map((r) => fc2FunctionView(r, parseFc2FunctionName(r.functionName)!.functionName));
    const page = views.slice(0, q.limit);
    return {
      functions: page,
      ...(views.length > q.limit ? { nextToken: page.at(-1)!.functionName } : {}),
    };
  });

  app.get<FunctionParams>(`${base}/:functionName`, { schema: schemas.getFunction }, async (request) => {
    const fn = await resolveFunction(deps, request.tenant, request.params);
    return fc2FunctionView(await getFunctionRecord(deps, request.tenant, fn.mapped), fn.functionName);
  });

  app.put<FunctionParams>(
    `${base}/:functionName`,
    { schema: schemas.updateFunction, bodyLimit: CODE_BODY_LIMIT },
    async (request) => {
      const fn = await resolveFunction(deps, request.tenant, request.params);
      const record = await updateFunctionFromBody(
        deps,
        request.tenant,
        fn.mapped,
        fc2FunctionBody(jsonBody(request)),
      );
      return fc2FunctionView(record, fn.functionName);
    },
  );

  app.delete<FunctionParams>(
    `${base}/:functionName`,
    { schema: schemas.deleteFunction },
    async (request, reply) => {
      const fn = await resolveFunction(deps, request.tenant, request.params);
      await deleteFunctionNamed(deps, request.tenant, fn.mapped);
      return reply.status(204).send();
    },
  );
}

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  ApiError,
  FC2_API,
  buildFc2Service,
  fc2ServicePrefix,
  fc2ServiceView,
  notFound,
  parsePageQuery,
  parseServiceName,
  updateFc2Service,
} from '@asyncfn/core';
import type { IngressDeps } from '../../deps.js';
import { fc2Schemas as schemas } from '../../openapi/fc2.js';
import { jsonBody } from '../../http.js';

type ServiceParams = { Params: { serviceName: string } };

/** The service a 2.0 path names, or 404 ServiceNotFound. */
export async function requireService(deps: IngressDeps, tenant: string, serviceParam: string) {
  const serviceName = parseServiceName(serviceParam);
  const service = await deps.fc2Services.get(tenant, serviceName);
  if (!service) throw notFound.service(serviceName);
  return service;
}

/** FC 2.0 CreateService, GetService, UpdateService, DeleteService and ListServices. */
export async function fc2ServiceRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const now = () => new Date(deps.clock?.() ?? Date.now());

  app.post(`${FC2_API}/services`, { schema: schemas.createService }, async (request) => {
    const record = buildFc2Service(request.tenant, jsonBody(request), {
      now: now(),
      serviceId: randomUUID(),
    });
    if (!(await deps.fc2Services.create(record))) {
      throw new ApiError('ServiceAlreadyExists', `service '${record.serviceName}' already exists`);
    }
    return fc2ServiceView(record);
  });

  app.get(`${FC2_API}/services`, { schema: schemas.listServices }, async (request) => {
    const q = parsePageQuery(request.query);
    const startKey = (request.query as { startKey?: string }).startKey;
    const records = await deps.fc2Services.list(request.tenant, {
      limit: q.limit + 1,
      ...(q.prefix ? { prefix: q.prefix } : {}),
      // nextToken is the last name listed; startKey (2.0) the first one to list.
      ...(q.nextToken ? { after: q.nextToken } : startKey ? { after: startKey.slice(0, -1) } : {}),
    });
    const page = records.slice(0, q.limit);
    return {
      services: page.map(fc2ServiceView),
      ...(records.length > q.limit ? { nextToken: page.at(-1)!.serviceName } : {}),
    };
  });

  app.get<ServiceParams>(
    `${FC2_API}/services/:serviceName`,
    { schema: schemas.getService },
    async (request) => fc2ServiceView(await requireService(deps, request.tenant, request.params.serviceName)),
  );

  app.put<ServiceParams>(
    `${FC2_API}/services/:serviceName`,
    { schema: schemas.updateService },
    async (request) => {
      const current = await requireService(deps, request.tenant, request.params.serviceName);
      const record = updateFc2Service(current, jsonBody(request), now());
      if (!(await deps.fc2Services.replace(record))) throw notFound.service(record.serviceName);
      return fc2ServiceView(record);
    },
  );

  app.delete<ServiceParams>(
    `${FC2_API}/services/:serviceName`,
    { schema: schemas.deleteService },
    async (request, reply) => {
      const service = await requireService(deps, request.tenant, request.params.serviceName);
      const functions = await deps.functions.list(request.tenant, {
        prefix: fc2ServicePrefix(service.serviceName),
        limit: 1,
      });
      if (functions.length > 0) {
        throw new ApiError('ServiceNotEmpty', `service '${service.serviceName}' still has functions`);
      }
      if (!(await deps.fc2Services.delete(request.tenant, service.serviceName))) {
        throw notFound.service(service.serviceName);
      }
      return reply.status(204).send();
    },
  );
}

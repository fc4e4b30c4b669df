import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readSetting } from '@asyncfn/config';
import type { TriggerRecord } from '@asyncfn/contracts';
import {
  ApiError,
  applyTriggerUpdate,
  buildTriggerRecord,
  notFound,
  parseCreateTrigger,
  parseFunctionName,
  parsePageQuery,
  parseTriggerName,
  parseUpdateTrigger,
  triggerView,
} from '@asyncfn/core';
import { deleteTrigger, putTrigger } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { triggerSchemas as schemas } from '../openapi/triggers.js';
import { httpTriggerRoutes } from '../http-triggers.js';
import { API, jsonBody } from '../http.js';

type NameParams = { Params: { functionName: string } };
type TriggerParams = { Params: { functionName: string; triggerName: string } };

/**
 * Where HTTP trigger URLs point: ASYNCFN_PUBLIC_URL when the ingress sits behind a proxy or load
 * balancer, else the scheme and host the API request came to.
 */
function httpBaseUrl(request: FastifyRequest): string {
  return readSetting('ASYNCFN_PUBLIC_URL') || `${request.protocol}://${request.host}`;
}

/**
 * FC's trigger API: CreateTrigger, GetTrigger, UpdateTrigger, DeleteTrigger, ListTriggers.
 * MongoDB is the source of truth; every change is mirrored to the `triggers` KV bucket, which the
 * dispatcher's trigger runners (kafka, nats, timer) and the HTTP trigger endpoint watch.
 */
export async function triggerRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const now = () => new Date(deps.clock?.() ?? Date.now());
  const { store, kv } = deps.triggers;
  const view = (request: FastifyRequest, record: TriggerRecord) =>
    triggerView(record, { httpBaseUrl: httpBaseUrl(request) });

  app.post<NameParams>(
    `${API}/functions/:functionName/triggers`,
    { schema: schemas.create },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const input = parseCreateTrigger(jsonBody(request), deps.names);
      if (!(await deps.functions.get(request.tenant, name))) throw notFound.function(name);
      const record = buildTriggerRecord(request.tenant, name, input, { now: now(), triggerId: randomUUID() });
      if (!(await store.create(record))) {
        throw new ApiError(
          'TriggerAlreadyExists',
          `function '${name}' already has a trigger '${input.triggerName}'`,
        );
      }
      await putTrigger(kv, record);
      return view(request, record);
    },
  );

  app.get<NameParams>(
    `${API}/functions/:functionName/triggers`,
    { schema: schemas.list },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const q = parsePageQuery(request.query);
      const records = await store.list(request.tenant, name, {
        limit: q.limit + 1,
        ...(q.prefix ? { prefix: q.prefix } : {}),
        ...(q.nextToken ? { after: q.nextToken } : {}),
      });
      const page = records.slice(0, q.limit);
      return {
        triggers: page.map((record) => view(request, record)),
        ...(records.length > q.limit ? { nextToken: page.at(-1)!.triggerName } : {}),
      };
    },
  );

  app.get<TriggerParams>(
    `${API}/functions/:functionName/triggers/:triggerName`,
    { schema: schemas.get },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const triggerName = parseTriggerName(request.params.triggerName);
      const record = await store.get(request.tenant, name, triggerName);
      if (!record) throw notFound.trigger(name, triggerName);
      return view(request, record);
    },
  );

  app.put<TriggerParams>(
    `${API}/functions/:functionName/triggers/:triggerName`,
    { schema: schemas.update },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const triggerName = parseTriggerName(request.params.triggerName);
      const current = await store.get(request.tenant, name, triggerName);
      if (!current) throw notFound.trigger(name, triggerName);
      const record = applyTriggerUpdate(
        current,
        parseUpdateTrigger(jsonBody(request), current, deps.names),
        now(),
      );
      if (!(await store.replace(record))) throw notFound.trigger(name, triggerName);
      await putTrigger(kv, record);
      return view(request, record);
    },
  );

  app.delete<TriggerParams>(
    `${API}/functions/:functionName/triggers/:triggerName`,
    { schema: schemas.delete },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      const triggerName = parseTriggerName(request.params.triggerName);
      if (!(await store.delete(request.tenant, name, triggerName))) throw notFound.trigger(name, triggerName);
      await deleteTrigger(kv, request.tenant, name, triggerName);
      return reply.status(204).send();
    },
  );

  await httpTriggerRoutes(app, deps);
}

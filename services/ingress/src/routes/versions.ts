import type { FastifyInstance } from 'fastify';
import type { FunctionRecord } from '@asyncfn/contracts';
import {
  ApiError,
  aliasOf,
  createAlias,
  deleteAlias,
  deleteVersion,
  notFound,
  parseCreateAlias,
  parseFunctionName,
  parsePageQuery,
  parseUpdateAlias,
  publishVersion,
  updateAlias,
  versionView,
} from '@asyncfn/core';
import { putFunction } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { versionSchemas as schemas } from '../openapi/controls.js';
import { API, jsonBody } from '../http.js';

type NameParams = { Params: { functionName: string } };
type VersionParams = { Params: { functionName: string; versionId: string } };
type AliasParams = { Params: { functionName: string; aliasName: string } };

/** Reads a function of the request's tenant, or 404. */
export async function functionOf(
  deps: IngressDeps,
  tenant: string,
  rawName: string,
): Promise<FunctionRecord> {
  const name = parseFunctionName(rawName);
  const fn = await deps.functions.get(tenant, name);
  if (!fn) throw notFound.function(name);
  return fn;
}

/** Stores a changed function: MongoDB, then the KV copy every service watches. */
export async function saveFunction(deps: IngressDeps, record: FunctionRecord): Promise<void> {
  if (!(await deps.functions.replace(record))) throw notFound.function(record.functionName);
  await putFunction(deps.functionsKv, record);
}

/** FC's versions (PublishFunctionVersion, ListFunctionVersions, DeleteFunctionVersion) and aliases. */
export async function versionRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const now = () => new Date(deps.clock?.() ?? Date.now());
  const versions = `${API}/functions/:functionName/versions`;
  const aliases = `${API}/functions/:functionName/aliases`;

  app.post<NameParams>(versions, { schema: schemas.publish }, async (request) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    const body = jsonBody(request) as { description?: unknown };
    if (
      body.description !== undefined &&
      (typeof body.description !== 'string' || body.description.length > 256)
    ) {
      throw new ApiError('InvalidArgument', 'description: a string of at most 256 characters');
    }
    const { record, version } = publishVersion(fn, (body.description as string | undefined) ?? '', now());
    await saveFunction(deps, record);
    return versionView(version);
  });

  app.get<NameParams & { Querystring: { direction?: string } }>(
    versions,
    { schema: schemas.list },
    async (request) => {
      const fn = await functionOf(deps, request.tenant, request.params.functionName);
      const q = parsePageQuery(request.query);
      const direction = request.query.direction ?? 'BACKWARD';
      if (direction !== 'BACKWARD' && direction !== 'FORWARD') {
        throw new ApiError('InvalidArgument', 'direction: BACKWARD (newest first) or FORWARD');
      }
      // FC lists newest first by default; the token is the last version id listed.
      const all = [...(fn.versions ?? [])].sort((a, b) => Number(a.versionId) - Number(b.versionId));
      if (direction === 'BACKWARD') all.reverse();
      const from = q.nextToken ? all.findIndex((v) => v.versionId === q.nextToken) + 1 : 0;
      const page = all.slice(from, from + q.limit);
      return {
        versions: page.map(versionView),
        direction,
        ...(from + q.limit < all.length ? { nextToken: page.at(-1)!.versionId } : {}),
      };
    },
  );

  app.delete<VersionParams>(`${versions}/:versionId`, { schema: schemas.delete }, async (request, reply) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    await saveFunction(deps, deleteVersion(fn, request.params.versionId));
    return reply.status(204).send();
  });

  app.post<NameParams>(aliases, { schema: schemas.createAlias }, async (request) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    const { record, alias } = createAlias(fn, parseCreateAlias(jsonBody(request)), now());
    await saveFunction(deps, record);
    return alias;
  });

  app.get<NameParams>(aliases, { schema: schemas.listAliases }, async (request) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    const q = parsePageQuery(request.query);
    const all = [...(fn.aliases ?? [])]
      .filter((a) => !q.prefix || a.aliasName.startsWith(q.prefix))
      .sort((a, b) => a.aliasName.localeCompare(b.aliasName));
    const rest = q.nextToken ? all.filter((a) => a.aliasName > q.nextToken!) : all;
    const page = rest.slice(0, q.limit);
    return { aliases: page, ...(rest.length > q.limit ? { nextToken: page.at(-1)!.aliasName } : {}) };
  });

  app.get<AliasParams>(`${aliases}/:aliasName`, { schema: schemas.getAlias }, async (request) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    return aliasOf(fn, request.params.aliasName);
  });

  app.put<AliasParams>(`${aliases}/:aliasName`, { schema: schemas.updateAlias }, async (request) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    const { record, alias } = updateAlias(
      fn,
      request.params.aliasName,
      parseUpdateAlias(jsonBody(request)),
      now(),
    );
    await saveFunction(deps, record);
    return alias;
  });

  app.delete<AliasParams>(
    `${aliases}/:aliasName`,
    { schema: schemas.deleteAlias },
    async (request, reply) => {
      const fn = await functionOf(deps, request.tenant, request.params.functionName);
      await saveFunction(deps, deleteAlias(fn, request.params.aliasName));
      return reply.status(204).send();
    },
  );
}

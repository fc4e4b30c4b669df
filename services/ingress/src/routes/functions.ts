import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readSetting } from '@asyncfn/config';
import {
  ApiError,
  applyFunctionUpdate,
  buildFunctionRecord,
  decodeZip,
  functionView,
  isFc2FunctionName,
  localDirectoryCode,
  notFound,
  parseCreateFunction,
  parseFunctionName,
  parsePageQuery,
  parseUpdateFunction,
} from '@asyncfn/core';
import { deleteFunction, putFunction } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { API, jsonBody } from '../http.js';
import { functionSchemas as schemas } from '../openapi/functions.js';

/** Function code travels inside the JSON body as base64. */
export const CODE_BODY_LIMIT = 128 * 1024 * 1024;

type NameParams = { Params: { functionName: string } };

/**
 * code.localDirectory (development extension) is accepted only inside these directories,
 * colon-separated; unset (the default) turns the extension off. Executors must see the same path.
 */
const LOCAL_CODE_ROOTS = readSetting('ASYNCFN_LOCAL_CODE_ROOTS')
  .split(':')
  .filter(Boolean)
  .map((root) => resolve(root));

async function localCode(path: string) {
  const dir = resolve(path);
  if (!LOCAL_CODE_ROOTS.some((root) => dir === root || dir.startsWith(root + sep))) {
    throw new ApiError(
      'InvalidArgument',
      LOCAL_CODE_ROOTS.length === 0
        ? 'code.localDirectory: local directories are disabled on this server (ASYNCFN_LOCAL_CODE_ROOTS)'
        : `code.localDirectory: must be inside ${LOCAL_CODE_ROOTS.join(' or ')}`,
    );
  }
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new ApiError('InvalidArgument', `code.localDirectory: '${dir}' is not a directory`);
  return localDirectoryCode(dir);
}

const now = (deps: IngressDeps) => new Date(deps.clock?.() ?? Date.now());

/* The operations, shared by the 3.0 routes below and the FC 2.0 routes (routes/fc2/). */

/** CreateFunction from a 3.0 body (already validated names included). */
export async function createFunctionFromBody(deps: IngressDeps, tenant: string, body: unknown) {
  const input = parseCreateFunction(body);
  const zip = input.code?.zipFile ? decodeZip(input.code.zipFile) : undefined;
  const code = zip ?? (await localCode(input.code!.localDirectory!));
  if (await deps.functions.get(tenant, input.functionName)) {
    throw new ApiError('FunctionAlreadyExists', `function '${input.functionName}' already exists`);
  }
  if (zip) await deps.functions.saveCode(tenant, zip.checksum, zip.zip);
  const record = buildFunctionRecord(tenant, input, code, { now: now(deps), functionId: randomUUID() });
  if (!(await deps.functions.create(record))) {
    throw new ApiError('FunctionAlreadyExists', `function '${input.functionName}' already exists`);
  }
  await putFunction(deps.functionsKv, record);
  return record;
}

export async function getFunctionRecord(deps: IngressDeps, tenant: string, name: string) {
  const record = await deps.functions.get(tenant, name);
  if (!record) throw notFound.function(name);
  return record;
}

export async function updateFunctionFromBody(deps: IngressDeps, tenant: string, name: string, body: unknown) {
  const current = await getFunctionRecord(deps, tenant, name);
  const input = parseUpdateFunction(body, current.runtime);
  const zip = input.code?.zipFile ? decodeZip(input.code.zipFile) : undefined;
  const code = zip ?? (input.code?.localDirectory ? await localCode(input.code.localDirectory) : undefined);
  if (zip) await deps.functions.saveCode(tenant, zip.checksum, zip.zip);
  const record = applyFunctionUpdate(current, input, code, now(deps));
  if (!(await deps.functions.replace(record))) throw notFound.function(name);
  await putFunction(deps.functionsKv, record);
  return record;
}

export async function deleteFunctionNamed(deps: IngressDeps, tenant: string, name: string): Promise<void> {
  if (!(await deps.functions.delete(tenant, name))) throw notFound.function(name);
  await deleteFunction(deps.functionsKv, tenant, name);
}

export async function functionRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  app.post(`${API}/functions`, { schema: schemas.create, bodyLimit: CODE_BODY_LIMIT }, async (request) => {
    const body = jsonBody(request);
    const name = (body as { functionName?: unknown }).functionName;
    if (typeof name === 'string' && isFc2FunctionName(name)) {
      throw new ApiError(
        'InvalidArgument',
        `functionName: names starting with fc2_<digits>_ are FC 2.0 functions (create them through /2021-04-06)`,
      );
    }
    return functionView(await createFunctionFromBody(deps, request.tenant, body));
  });

  app.get(`${API}/functions`, { schema: schemas.list }, async (request) => {
    const q = parsePageQuery(request.query);
    const records = await deps.functions.list(request.tenant, {
      limit: q.limit + 1,
      ...(q.prefix ? { prefix: q.prefix } : {}),
      ...(q.nextToken ? { after: q.nextToken } : {}),
    });
    const page = records.slice(0, q.limit);
    return {
      functions: page.map(functionView),
      ...(records.length > q.limit ? { nextToken: page.at(-1)!.functionName } : {}),
    };
  });

  app.get<NameParams>(`${API}/functions/:functionName`, { schema: schemas.get }, async (request) => {
    const name = parseFunctionName(request.params.functionName);
    return functionView(await getFunctionRecord(deps, request.tenant, name));
  });

  app.put<NameParams>(
    `${API}/functions/:functionName`,
    { schema: schemas.update, bodyLimit: CODE_BODY_LIMIT },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      return functionView(await updateFunctionFromBody(deps, request.tenant, name, jsonBody(request)));
    },
  );

  app.delete<NameParams>(
    `${API}/functions/:functionName`,
    { schema: schemas.delete },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      await deleteFunctionNamed(deps, request.tenant, name);
      return reply.status(204).send();
    },
  );
}

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import type { FunctionRecord } from '@asyncfn/contracts';
import {
  ApiError,
  checkQualifier,
  fcError,
  functionAtVersion,
  parsePageQuery,
  parseQualifier,
  resolveQualifier,
} from '@asyncfn/core';
import type { IngressDeps } from '../deps.js';
import { controlSchemas as schemas } from '../openapi/controls.js';
import { API, CODE_DOWNLOAD_PREFIX, jsonBody } from '../http.js';
import { stopRunningTasks } from '../task-control.js';
import { functionOf, saveFunction } from './versions.js';

type NameParams = { Params: { functionName: string } };

const CODE_URL_TTL_MS = 10 * 60 * 1000;
/** The methods FC's layer operations use (app.all would also document WebDAV's). */
const LAYER_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE'];

const concurrencyView = (fn: FunctionRecord) => ({
  functionArn: fn.functionArn,
  ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: fn.reservedConcurrency } : {}),
});

/**
 * FC's ConcurrencyConfig, DisableFunctionInvocation / EnableFunctionInvocation and GetFunctionCode;
 * the dispatch pause (extension); and a clear NotImplemented (501) for FC's operations asyncfn
 * does not serve.
 */
export async function functionControlRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const clock = deps.clock ?? Date.now;
  const iso = () => new Date(clock()).toISOString();
  const concurrency = `${API}/functions/:functionName/concurrency`;

  app.put<NameParams>(concurrency, { schema: schemas.putConcurrency }, async (request) => {
    const fn = await functionOf(deps, request.tenant, request.params.functionName);
    const { reservedConcurrency } = jsonBody(request) as { reservedConcurrency?: unknown };
    if (
      typeof reservedConcurrency !== 'number' ||
      !Number.isInteger(reservedConcurrency) ||
      reservedConcurrency < 0 ||
      reservedConcurrency > 100_000
    ) {
      throw new ApiError('InvalidArgument', 'reservedConcurrency: an integer, 0-100000');
    }
    const record = { ...fn, reservedConcurrency };
    await saveFunction(deps, record);
    return concurrencyView(record);
  });

  app.get<NameParams>(concurrency, { schema: schemas.getConcurrency }, async (request) =>
    concurrencyView(await functionOf(deps, request.tenant, request.params.functionName)),
  );

  app.delete<NameParams>(concurrency, { schema: schemas.deleteConcurrency }, async (request, reply) => {
    const { reservedConcurrency: _removed, ...record } = await functionOf(
      deps,
      request.tenant,
      request.params.functionName,
    );
    await saveFunction(deps, record);
    return reply.status(204).send();
  });

  app.get(`${API}/concurrency-configs`, { schema: schemas.listConcurrency }, async (request) => {
    const q = parsePageQuery(request.query);
    const configs: ReturnType<typeof concurrencyView>[] = [];
    let after = q.nextToken;
    for (;;) {
      const batch = await deps.functions.list(request.tenant, {
        limit: 100,
        ...(q.functionName ? { prefix: q.functionName } : {}),
        ...(after ? { after } : {}),
      });
      for (const fn of batch) {
        after = fn.functionName;
        if (fn.reservedConcurrency === undefined) continue;
        configs.push(concurrencyView(fn));
        if (configs.length === q.limit) return { configs, nextToken: after };
      }
      if (batch.length < 100) return { configs };
    }
  });

  app.post<NameParams>(
    `${API}/functions/:functionName/invoke/disable`,
    { schema: schemas.disable },
    async (request) => {
      const fn = await functionOf(deps, request.tenant, request.params.functionName);
      const body = jsonBody(request) as { reason?: unknown; abortOngoingRequest?: unknown };
      if (body.reason !== undefined && typeof body.reason !== 'string') {
        throw new ApiError('InvalidArgument', 'reason: a string');
      }
      await saveFunction(deps, {
        ...fn,
        invocationDisabled: { reason: ((body.reason as string | undefined) ?? '').slice(0, 256), at: iso() },
      });
      if (body.abortOngoingRequest === true) await stopRunningTasks(deps, fn);
      return { success: true };
    },
  );

  app.post<NameParams>(
    `${API}/functions/:functionName/invoke/enable`,
    { schema: schemas.enable },
    async (request) => {
      const { invocationDisabled: _off, ...record } = await functionOf(
        deps,
        request.tenant,
        request.params.functionName,
      );
      await saveFunction(deps, record);
      return { success: true };
    },
  );

  // Extension: pause and resume dispatching of the function's queued tasks (new ones still accepted).
  app.post<NameParams>(
    `${API}/functions/:functionName/dispatch/pause`,
    { schema: schemas.pause },
    async (request) => {
      const fn = await functionOf(deps, request.tenant, request.params.functionName);
      const record = fn.dispatchPaused ? fn : { ...fn, dispatchPaused: { at: iso() } };
      if (record !== fn) await saveFunction(deps, record);
      return { functionName: fn.functionName, paused: true, pausedAt: record.dispatchPaused!.at };
    },
  );
  app.post<NameParams>(
    `${API}/functions/:functionName/dispatch/resume`,
    { schema: schemas.resume },
    async (request) => {
      const { dispatchPaused, ...record } = await functionOf(
        deps,
        request.tenant,
        request.params.functionName,
      );
      if (dispatchPaused) await saveFunction(deps, record);
      return { functionName: record.functionName, paused: false };
    },
  );
  app.get<NameParams>(
    `${API}/functions/:functionName/dispatch`,
    { schema: schemas.dispatch },
    async (request) => {
      const fn = await functionOf(deps, request.tenant, request.params.functionName);
      return {
        functionName: fn.functionName,
        paused: fn.dispatchPaused !== undefined,
        ...(fn.dispatchPaused ? { pausedAt: fn.dispatchPaused.at } : {}),
      };
    },
  );

  app.get<NameParams & { Querystring: { qualifier?: string } }>(
    `${API}/functions/:functionName/code`,
    { schema: schemas.code },
    async (request) => {
      const fn = await functionOf(deps, request.tenant, request.params.functionName);
      const qualifier = parseQualifier(request.query.qualifier);
      checkQualifier(fn, qualifier);
      // An alias's main version (its weights only route invocations).
      const version =
        /^[0-9]+$/.test(qualifier) || qualifier === 'LATEST'
          ? qualifier
          : resolveQualifier(fn, qualifier, () => 1);
      const code = functionAtVersion(fn, version)!;
      if (code.localDirectory) {
        throw new ApiError(
          'InvalidArgument',
          'code: the function runs a local directory; there is no zip to download',
        );
      }
      if (!deps.codeDownloads) throw fcError('NotImplemented', { operation: 'GetFunctionCode' });
      const token = randomBytes(24).toString('hex');
      await deps.codeDownloads.put(
        token,
        JSON.stringify({
          tenant: fn.tenant,
          checksum: code.codeChecksum,
          expiresAt: clock() + CODE_URL_TTL_MS,
        }),
      );
      const host = request.headers.host ?? '127.0.0.1';
      return {
        url: `${request.protocol}://${host}${CODE_DOWNLOAD_PREFIX}${token}`,
        checksum: code.codeChecksum,
      };
    },
  );

  app.get<{ Params: { token: string } }>(
    `${CODE_DOWNLOAD_PREFIX}:token`,
    { schema: schemas.codeDownload },
    async (request, reply) => {
      const token = request.params.token;
      const raw = /^[0-9a-f]{48}$/.test(token) ? await deps.codeDownloads?.get(token) : undefined;
      const grant = raw
        ? (JSON.parse(raw) as { tenant: string; checksum: string; expiresAt: number })
        : undefined;
      if (!grant || grant.expiresAt < clock()) {
        throw new ApiError(
          'AccessDenied',
          'this code URL is unknown or has expired; call GetFunctionCode again',
        );
      }
      const zip = await deps.functions.readCode(grant.tenant, grant.checksum);
      if (!zip) throw new ApiError('AccessDenied', 'the code behind this URL no longer exists');
      return reply.header('content-type', 'application/zip').send(zip);
    },
  );

  // FC operations out of asyncfn's scope: 501 NotImplemented, not a 400 PathNotSupported.
  const notServed = (operation: string) => async () => {
    throw fcError('NotImplemented', { operation });
  };
  const gone = (method: HTTPMethods, url: string, operationId: string, operation: string) =>
    app.route({ method, url, schema: schemas.notServed(operationId), handler: notServed(operation) });
  const provision = `${API}/functions/:functionName/provision-config`;
  gone('GET', provision, 'GetProvisionConfig', 'provision config');
  gone('PUT', provision, 'PutProvisionConfig', 'provision config');
  gone('DELETE', provision, 'DeleteProvisionConfig', 'provision config');
  gone('GET', `${API}/provision-configs`, 'ListProvisionConfigs', 'provision config');
  gone('GET', `${API}/functions/:functionName/vpc-bindings`, 'ListVpcBindings', 'VPC binding');
  gone('POST', `${API}/functions/:functionName/vpc-bindings`, 'CreateVpcBinding', 'VPC binding');
  gone('DELETE', `${API}/functions/:functionName/vpc-bindings/:vpcId`, 'DeleteVpcBinding', 'VPC binding');
  // Every layer operation, whatever its path below these (FC has a dozen of them).
  for (const url of [`${API}/layers`, `${API}/layers/*`, `${API}/layerarn/*`]) {
    app.route({ method: LAYER_METHODS, url, schema: schemas.notServed(), handler: notServed('layers') });
  }
}

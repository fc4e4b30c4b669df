import { functionAtVersion } from '@asyncfn/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { Messages, type Names, type SyncInvokeReply, type SyncInvokeRequest } from '@asyncfn/contracts';
import { serveRequests, type FunctionDirectory, type ServingRequests } from '@asyncfn/nats';
import type { InstancePool } from '@asyncfn/runtime';
import type { Logger } from '@asyncfn/telemetry';
import type { CodeProvider } from './code-provider.js';
import { functionSpec } from './function-spec.js';

/** Synchronous invocations: request/reply over core NATS, shared by executors through a queue group. */
export function startSyncServer(deps: {
  nc: NatsConnection;
  names: Names;
  functions: FunctionDirectory;
  pool: InstancePool;
  code: CodeProvider;
  logger: Logger;
}): ServingRequests {
  const failure = (statusCode: number, errorType: string, errorMessage: string): SyncInvokeReply => ({
    ok: false,
    statusCode,
    errorType,
    errorMessage,
    logs: '',
  });

  async function invoke(request: SyncInvokeRequest): Promise<SyncInvokeReply> {
    const latest = await deps.functions.get(request.tenant, request.functionName);
    const fn = latest && functionAtVersion(latest, request.resolvedVersion);
    if (!fn) {
      return failure(
        404,
        'FunctionNotFound',
        latest
          ? `version '${request.resolvedVersion}' of function '${request.functionName}' does not exist`
          : `function '${request.functionName}' does not exist`,
      );
    }
    const outcome = await deps.pool.invoke(functionSpec(fn, await deps.code(fn)), {
      requestId: request.requestId,
      attempt: 1,
      payload: Buffer.from(request.payload, 'base64'),
      tenant: request.tenant,
      functionName: request.functionName,
      ...(request.traceparent ? { traceparent: request.traceparent } : {}),
    });
    if (outcome.kind === 'succeeded') {
      return {
        ok: true,
        statusCode: 200,
        payload: outcome.result.toString('base64'),
        instanceId: outcome.instanceId,
        durationMs: outcome.durationMs,
        logs: outcome.logs,
      };
    }
    return {
      ok: false,
      statusCode: outcome.kind === 'timedOut' ? 504 : 200,
      errorType:
        outcome.kind === 'failed'
          ? outcome.errorType
          : outcome.kind === 'timedOut'
            ? 'FunctionTimeout'
            : outcome.kind === 'crashed'
              ? 'InstanceCrashed'
              : 'Stopped',
      errorMessage: 'errorMessage' in outcome ? outcome.errorMessage : 'stopped',
      logs: outcome.logs,
    };
  }

  return serveRequests({
    nc: deps.nc,
    subject: deps.names.subjects.syncAll,
    queue: deps.names.queueGroups.executors,
    contract: Messages.syncInvoke,
    logger: deps.logger,
    handle: invoke,
    invalid: (reason) => failure(400, 'InvalidRequest', reason),
    failed(err) {
      deps.logger.error({ err }, 'sync invocation failed');
      return failure(500, 'InternalError', (err as Error).message);
    },
  });
}

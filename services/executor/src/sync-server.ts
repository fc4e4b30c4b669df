import { functionAtVersion } from '@asyncfn/core';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Names, SyncInvokeReply, SyncInvokeRequest } from '@asyncfn/contracts';
import type { FunctionDirectory } from '@asyncfn/nats';
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
}): Subscription {
  const encoder = new TextEncoder();
  return deps.nc.subscribe(deps.names.subjects.syncAll, {
    queue: deps.names.queueGroups.executors,
    callback: (err, msg) => {
      if (err) return;
      void (async () => {
        let reply: SyncInvokeReply;
        try {
          const request = msg.json<SyncInvokeRequest>();
          const latest = await deps.functions.get(request.tenant, request.functionName);
          const fn = latest && functionAtVersion(latest, request.resolvedVersion);
          if (!fn) {
            reply = {
              ok: false,
              statusCode: 404,
              errorType: 'FunctionNotFound',
              errorMessage: latest
                ? `version '${request.resolvedVersion}' of function '${request.functionName}' does not exist`
                : `function '${request.functionName}' does not exist`,
              logs: '',
            };
          } else {
            const outcome = await deps.pool.invoke(functionSpec(fn, await deps.code(fn)), {
              requestId: request.requestId,
              attempt: 1,
              payload: Buffer.from(request.payload, 'base64'),
              tenant: request.tenant,
              functionName: request.functionName,
              ...(request.traceparent ? { traceparent: request.traceparent } : {}),
            });
            reply =
              outcome.kind === 'succeeded'
                ? {
                    ok: true,
                    statusCode: 200,
                    payload: outcome.result.toString('base64'),
                    instanceId: outcome.instanceId,
                    durationMs: outcome.durationMs,
                    logs: outcome.logs,
                  }
                : {
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
        } catch (error) {
          deps.logger.error({ err: error }, 'sync invocation failed');
          reply = {
            ok: false,
            statusCode: 500,
            errorType: 'InternalError',
            errorMessage: (error as Error).message,
            logs: '',
          };
        }
        msg.respond(encoder.encode(JSON.stringify(reply)));
      })();
    },
  });
}

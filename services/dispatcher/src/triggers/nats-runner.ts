import { randomBytes } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstreamManager,
  type ConsumerConfig,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { Headers, type NatsTriggerConfig, type TriggerRecord } from '@asyncfn/contracts';
import { natsTriggerEvent, triggerTaskIds } from '@asyncfn/core';
import {
  SpanKind,
  consumeMessages,
  contextFromHeaders,
  done,
  drop,
  retry,
  type MessageOutcome,
} from '@asyncfn/nats';
import { SemAttr } from '@asyncfn/telemetry';
import { invokeFromTrigger } from './invoke.js';
import type { RunnerDeps, StartRunner, TriggerRunner } from './runner.js';

/** Core NATS messages handled at the same time per replica. */
const CORE_CONCURRENCY = 64;

function headerMap(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of h?.keys() ?? []) out[key] = h!.get(key);
  return out;
}

/**
 * A NATS trigger. Core NATS (`subject`): every replica subscribes in the trigger's queue group,
 * so each message reaches one of them; there is no redelivery, so the task id is derived from the
 * `Nats-Msg-Id` header when the publisher set one (a republished message is then a duplicate),
 * otherwise random. JetStream (`stream`): a durable consumer on the user's stream shared by the
 * replicas; task id from stream + sequence, acknowledged after the intake answered, so a
 * redelivered message is a duplicate.
 */
export const startNatsRunner: StartRunner = async (record, deps) => {
  if (record.triggerType !== 'nats') throw new Error(`not a nats trigger: ${record.triggerType}`);
  return record.triggerConfig.stream
    ? startJetStream(record, record.triggerConfig.stream, record.triggerConfig, deps)
    : startCore(record, record.triggerConfig.subject!, deps);
};

function messageAttributes(subject: string, group: string) {
  return {
    [SemAttr.messagingSystem]: 'nats',
    [SemAttr.messagingDestination]: subject,
    [SemAttr.messagingOperationType]: 'process',
    [SemAttr.messagingConsumerGroup]: group,
  };
}

function startCore(record: TriggerRecord, subject: string, deps: RunnerDeps): TriggerRunner {
  const queue = deps.names.triggers.queueGroup(record.triggerId);
  const sub = deps.nc.subscribe(subject, { queue });
  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const handle = async (msg: Msg) => {
    const headers = headerMap(msg.headers);
    try {
      await invokeFromTrigger(deps, record, {
        taskId: triggerTaskIds.nats(
          record.triggerId,
          headers[Headers.msgId],
          randomBytes(12).toString('hex'),
        ),
        event: natsTriggerEvent({ subject: msg.subject, data: msg.data, headers }),
        parent: contextFromHeaders(msg.headers),
        kind: SpanKind.CONSUMER,
        attributes: messageAttributes(msg.subject, queue),
        signal: abort.signal,
      });
    } catch (err) {
      if (!abort.signal.aborted) deps.logger.error({ err }, 'nats trigger: message lost');
    }
  };
  const loop = (async () => {
    for await (const msg of sub) {
      const p = handle(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= CORE_CONCURRENCY) await Promise.race(inFlight);
    }
  })();
  return {
    async stop() {
      // Drain: messages already delivered to this replica are still handed over.
      await sub.drain().catch(() => undefined);
      await loop.catch(() => undefined);
      const deadline = setTimeout(() => abort.abort(), 5_000);
      await Promise.allSettled(inFlight);
      clearTimeout(deadline);
    },
  };
}

async function startJetStream(
  record: TriggerRecord,
  stream: string,
  config: NatsTriggerConfig,
  deps: RunnerDeps,
): Promise<TriggerRunner> {
  const jsm = await jetstreamManager(deps.nc);
  const durable = deps.names.triggers.durable(record.triggerId);
  const wanted: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: config.fromBeginning ? DeliverPolicy.All : DeliverPolicy.New,
    ack_wait: nanos(30_000),
    max_deliver: -1,
    max_ack_pending: 1_000,
    ...(config.subject ? { filter_subject: config.subject } : {}),
    description: `asyncfn trigger ${record.tenant}/${record.functionName}/${record.triggerName}`,
  };
  try {
    await jsm.consumers.info(stream, durable);
    // An update may change or remove the filter (an undefined one is left out of the request);
    // where the consumer starts is fixed once it exists.
    const { deliver_policy: _fixed, ...changeable } = wanted;
    await jsm.consumers.update(stream, durable, { ...changeable, filter_subject: config.subject });
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.status === 404)) throw err;
    await jsm.consumers.add(stream, wanted);
  }
  const abort = new AbortController();
  const consumer = await consumeMessages({
    nc: deps.nc,
    stream,
    durable,
    concurrency: 64,
    logger: deps.logger,
    errorDelayMs: 2_000,
    handle: async (msg: JsMsg): Promise<MessageOutcome> => {
      const headers = headerMap(msg.headers);
      // consumeMessages runs this in a CONSUMER span under the message's trace context.
      const outcome = await invokeFromTrigger(deps, record, {
        taskId: triggerTaskIds.jetStream(record.triggerId, stream, msg.seq),
        event: natsTriggerEvent({ subject: msg.subject, data: msg.data, headers, stream, sequence: msg.seq }),
        parent: contextFromHeaders(msg.headers),
        kind: SpanKind.INTERNAL,
        attributes: messageAttributes(msg.subject, durable),
        signal: abort.signal,
      }).catch(() => undefined);
      if (outcome === undefined) return retry(2_000, 'trigger stopping; the intake did not answer');
      return outcome === 'rejected' ? drop('the intake refused the invocation') : done;
    },
  });
  return {
    async stop({ removed }) {
      abort.abort();
      await consumer.stop();
      if (removed) {
        await jsm.consumers.delete(stream, durable).catch((err: unknown) => {
          if (!(err instanceof JetStreamApiError && err.status === 404)) {
            deps.logger.warn({ err, stream, durable }, 'nats trigger: durable consumer not deleted');
          }
        });
      }
    },
  };
}

import type { FastifyInstance } from 'fastify';
import type { QueueMessage } from '@asyncfn/contracts';
import { parseQueueName, parseReceiveQuery } from '@asyncfn/core';
import { createMessageQueues } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { queueSchemas } from '../openapi/extensions.js';
import { API } from '../http.js';

type ReceiveRequest = {
  Params: { queueName: string };
  Querystring: Record<string, unknown>;
};

/**
 * Extension: receive from a local MNS-style queue of the caller's tenant (where
 * `acs:mns:…:/queues/<q>/messages` destinations deliver). Received messages are removed;
 * `waitSeconds` long-polls until the first message arrives. An unknown or empty queue answers
 * an empty list.
 */
export async function queueRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const queues = createMessageQueues(deps.nc, deps.names);

  app.get<ReceiveRequest>(
    `${API}/queues/:queueName/messages`,
    { schema: queueSchemas.receive },
    async (request, reply) => {
      const queueName = parseQueueName(request.params.queueName);
      const { numOfMessages, waitSeconds } = parseReceiveQuery(request.query);
      // A client that hangs up during a long poll must not have messages taken on its behalf.
      const gone = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableEnded) gone.abort();
      };
      reply.raw.on('close', onClose);
      try {
        const messages: QueueMessage[] = await queues.receive(request.tenant, queueName, {
          max: numOfMessages,
          waitMs: waitSeconds * 1000,
          signal: gone.signal,
        });
        return { messages };
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
}

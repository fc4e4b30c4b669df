import { MAX_QUEUE_BATCH, MAX_QUEUE_WAIT_SECONDS } from '@asyncfn/core';

/** The OpenAPI paths of the local MNS-style queues (an asyncfn extension; see routes/queues.ts). */
export function queuePaths(error: object): Record<string, unknown> {
  return {
    '/2023-03-30/queues/{queueName}/messages': {
      parameters: [
        {
          name: 'queueName',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9-]{0,119}$' },
        },
      ],
      get: {
        operationId: 'ReceiveQueueMessages',
        description:
          'extension: receives from a local MNS-style queue of the caller’s tenant — where a destination ' +
          '`acs:mns:<region>:<account>:/queues/<queueName>/messages` delivers its result records (region and ' +
          'account are ignored). Oldest first; received messages are removed from the queue (no visibility ' +
          'timeout, no second receiver). With waitSeconds > 0 the call waits until the first message arrives ' +
          'or the time is up, then answers what it has. An empty or never-used queue answers no messages. ' +
          'Unreceived messages are kept 4 days, at most 100,000 per queue (oldest dropped). 400 InvalidArgument ' +
          'for a bad queue name, numOfMessages or waitSeconds.',
        parameters: [
          {
            name: 'numOfMessages',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: MAX_QUEUE_BATCH, default: 1 },
          },
          {
            name: 'waitSeconds',
            in: 'query',
            schema: { type: 'integer', minimum: 0, maximum: MAX_QUEUE_WAIT_SECONDS, default: 0 },
          },
        ],
        responses: {
          '200': {
            description: 'the messages taken (possibly none)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    messages: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          messageId: {
                            type: 'string',
                            description: 'the message’s sequence in the queues stream (unique, increasing)',
                          },
                          body: { type: 'string', description: 'the record as sent (JSON text)' },
                          publishTime: { type: 'integer', description: 'epoch ms' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          default: error,
        },
      },
    },
  };
}

import { Command } from 'commander';
import { contextOf } from '../../context.js';
import { formatTime, printJson, renderTable } from '../../output.js';
import { parseCount } from '../../parse.js';

interface QueueMessage {
  messageId: string;
  body: string;
  publishTime: number;
}

/**
 * MNS-style receive from a local queue (the destination of `acs:mns:...:/queues/<q>/messages`):
 * `GET /queues/{q}/messages?numOfMessages=N&waitSeconds=S`; received messages are removed.
 */
export function queueReceive(): Command {
  return new Command('receive')
    .description('receive (and remove) messages from a local MNS-style queue')
    .argument('<queue>', 'queue name')
    .option('-n, --num <n>', 'at most this many messages (1-16)', '16')
    .option('--wait <seconds>', 'long-poll: wait up to this long for a message (0-30)', '0')
    .action(async (queue: string, opts: { num: string; wait: string }, command: Command) => {
      const { api, json } = contextOf(command);
      const { messages } = await api.call<{ messages: QueueMessage[] }>(
        'GET',
        `/queues/${encodeURIComponent(queue)}/messages`,
        {
          query: {
            numOfMessages: parseCount(opts.num, '--num', 16),
            waitSeconds: parseCount(opts.wait, '--wait', 30, 0),
          },
        },
      );
      if (json) return printJson(messages);
      if (messages.length === 0) return console.log('no messages');
      console.log(
        renderTable(
          ['MESSAGE ID', 'PUBLISHED', 'BODY'],
          messages.map((m) => [m.messageId, formatTime(m.publishTime), m.body]),
        ),
      );
    });
}

export function queueCommand(): Command {
  return new Command('queue').description('local MNS-style queues (destinations)').addCommand(queueReceive());
}

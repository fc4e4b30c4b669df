import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Messages, type IntakeReply, type IntakeRequest } from '@asyncfn/contracts';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { InvalidMessageError } from './codec.js';
import { connectNats } from './connect.js';
import { requestByContract, serveRequests } from './request-reply.js';

const names = testNames('reqrep');
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectNats(serverUrls().natsUrl, 'request-reply-test', serverUrls().natsAuth);
});

afterAll(async () => {
  await nc.close();
});

const REQUEST: IntakeRequest = { v: 1, tenant: 'acme', functionName: 'fn', taskId: 't1', payload: 'cA==' };

describe('request/reply by contract', () => {
  it('answers a checked request, and an invalid one with the contract’s refusal, logged once', async () => {
    const seen: IntakeRequest[] = [];
    const warnings: object[] = [];
    const server = serveRequests<IntakeRequest, IntakeReply>({
      nc,
      subject: names.subjects.intake,
      queue: names.queueGroups.ingress,
      contract: Messages.intake,
      logger: { warn: (obj) => warnings.push(obj), error: () => {} },
      handle: async (request) => {
        seen.push(request);
        if (request.taskId === 'boom') throw new Error('store away');
        return { ok: true, taskId: request.taskId!, requestId: 'r1' };
      },
      invalid: (reason) => ({ ok: false, code: 'InvalidArgument', message: reason }),
      failed: (err) => ({ ok: false, code: 'ServiceUnavailable', message: (err as Error).message }),
    });
    try {
      await nc.flush();
      const ask = (value: IntakeRequest) =>
        requestByContract(nc, names, Messages.intake, value, { timeout: 5_000 });
      expect(await ask(REQUEST)).toEqual({ ok: true, taskId: 't1', requestId: 'r1' });
      expect(await ask({ ...REQUEST, taskId: 'boom' })).toEqual({
        ok: false,
        code: 'ServiceUnavailable',
        message: 'store away',
      });
      const bad = await nc.request(names.subjects.intake, JSON.stringify({ ...REQUEST, payload: 7 }), {
        timeout: 5_000,
      });
      expect(bad.json()).toEqual({
        ok: false,
        code: 'InvalidArgument',
        message: expect.stringMatching(/^IntakeRequest: \/payload /),
      });
      expect(seen.map((r) => r.taskId)).toEqual(['t1', 'boom']);
      expect(warnings).toEqual([
        expect.objectContaining({ contract: 'IntakeRequest', subject: names.subjects.intake }),
      ]);
    } finally {
      await server.stop();
    }
  });

  it('throws a reply that is not one, naming its contract', async () => {
    const sub = nc.subscribe(names.subjects.intake, {
      callback: (_err, msg) => {
        msg.respond(JSON.stringify({ ok: 'perhaps' }));
      },
    });
    try {
      await nc.flush();
      const asked = requestByContract(nc, names, Messages.intake, REQUEST, { timeout: 5_000 });
      await expect(asked).rejects.toThrow(InvalidMessageError);
      await expect(
        requestByContract(nc, names, Messages.intake, REQUEST, { timeout: 5_000 }),
      ).rejects.toThrow(/^IntakeReply: /);
    } finally {
      sub.unsubscribe();
    }
  });
});

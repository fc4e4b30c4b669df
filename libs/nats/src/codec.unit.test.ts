import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { Messages, type AcceptedTaskMessage, type MessageContract, type TaskEvent } from '@asyncfn/contracts';
import {
  compiledContract,
  decodeMessage,
  decodeOrThrow,
  encodeMessage,
  InvalidMessageError,
} from './codec.js';
import { receive } from './receive.js';

const TASK: AcceptedTaskMessage = {
  v: 1,
  taskId: 't1',
  tenant: 'acme',
  functionName: 'f',
  requestId: 'r1',
  payload: 'e30=',
  enqueuedAt: 1,
  dueAt: 1,
};
const STARTED = {
  v: 1,
  eventId: 'e1',
  taskId: 't1',
  tenant: 'acme',
  functionName: 'f',
  attempt: 1,
  timestamp: 2,
  source: 'executor',
  type: 'TaskStarted',
} as const satisfies TaskEvent;
const SUCCEEDED: TaskEvent = {
  ...STARTED,
  eventId: 'e2',
  type: 'TaskSucceeded',
  returnPayload: 'ok',
  durationMs: 3,
  earlier: [STARTED],
};

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('decoding a message by its contract', () => {
  it('gives the value of a message that matches, as sent', () => {
    expect(decodeMessage(Messages.acceptedTask, encodeMessage(Messages.acceptedTask, TASK))).toEqual({
      ok: true,
      value: TASK,
    });
    expect(decodeMessage(Messages.taskEvent, bytes(SUCCEEDED))).toEqual({ ok: true, value: SUCCEEDED });
  });

  it('keeps fields it does not know (a newer producer may add optional ones)', () => {
    const decoded = decodeMessage(Messages.acceptedTask, bytes({ ...TASK, priority: 3 }));
    expect(decoded).toMatchObject({ ok: true, value: { priority: 3 } });
  });

  it('says why a message is not one: unreadable JSON, a missing or mistyped field, named by contract', () => {
    expect(decodeMessage(Messages.acceptedTask, '{"v":1,')).toEqual({
      ok: false,
      reason: 'AcceptedTaskMessage: not valid JSON',
    });
    expect(decodeMessage(Messages.acceptedTask, '[1]')).toEqual({
      ok: false,
      reason: 'AcceptedTaskMessage: not a JSON object',
    });
    const { taskId: _omitted, ...noId } = TASK;
    const missing = decodeMessage(Messages.acceptedTask, bytes(noId));
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.reason).toMatch(/^AcceptedTaskMessage: .*taskId/);
    const mistyped = decodeMessage(Messages.acceptedTask, bytes({ ...TASK, dueAt: 'soon' }));
    expect(!mistyped.ok && mistyped.reason).toMatch(/^AcceptedTaskMessage: \/dueAt /);
  });

  it('checks an event against its own type’s schema, and the events it carries', () => {
    const noPayload = decodeMessage(Messages.taskEvent, bytes({ ...SUCCEEDED, returnPayload: undefined }));
    expect(!noPayload.ok && noPayload.reason).toMatch(/^TaskEvent: .*returnPayload/);
    const badCarried = decodeMessage(
      Messages.taskEvent,
      bytes({ ...SUCCEEDED, earlier: [{ ...STARTED, attempt: 'one' }] }),
    );
    expect(!badCarried.ok && badCarried.reason).toMatch(/^TaskEvent: \/earlier\/0/);
    expect(decodeMessage(Messages.taskEvent, bytes({ ...STARTED, type: 'TaskExploded' }))).toEqual({
      ok: false,
      reason: 'TaskEvent: unknown type "TaskExploded"',
    });
  });

  it('refuses another version than the one this build reads, and says so', () => {
    expect(decodeMessage(Messages.acceptedTask, bytes({ ...TASK, v: 2 }))).toEqual({
      ok: false,
      reason: 'AcceptedTaskMessage: version 2, this service reads version 1',
    });
    expect(decodeMessage(Messages.taskEvent, bytes({ ...STARTED, v: undefined }))).toMatchObject({
      ok: false,
      reason: 'TaskEvent: version undefined, this service reads version 1',
    });
  });

  it('throws a reply that is not one (a reply cannot be dropped), naming the contract', () => {
    expect(() => decodeOrThrow(Messages.intake.reply, '{"ok":true}')).toThrow(InvalidMessageError);
    expect(() =>
      decodeOrThrow(Messages.intake.reply, '{"ok":false,"code":"NoSuchCode","message":"x"}'),
    ).toThrow(/^IntakeReply: /);
    expect(
      decodeOrThrow(Messages.intake.reply, '{"ok":false,"code":"FunctionNotFound","message":"x"}'),
    ).toEqual({
      ok: false,
      code: 'FunctionNotFound',
      message: 'x',
    });
  });
});

describe('receiving a consumed message', () => {
  const consumed = (data: Uint8Array) =>
    ({ data, subject: 'ns.tasks.acme.f.t1', seq: 7 }) as unknown as JsMsg;

  it('hands over the decoded value with its message', () => {
    const msg = consumed(bytes(TASK));
    expect(receive(Messages.acceptedTask, msg, { warn: () => {} })).toEqual({ msg, value: TASK });
  });

  it('drops an invalid message once, with one log line naming the contract and the reason', () => {
    const lines: { obj: object; text?: string }[] = [];
    const result = receive(Messages.acceptedTask, consumed(bytes({ ...TASK, v: 2 })), {
      warn: (obj, text) => lines.push({ obj, text: text! }),
    });
    const reason = 'AcceptedTaskMessage: version 2, this service reads version 1';
    expect(result).toEqual({ dropped: { kind: 'drop', reason } });
    expect(lines).toEqual([
      {
        obj: { contract: 'AcceptedTaskMessage', reason, subject: 'ns.tasks.acme.f.t1', seq: 7 },
        text: 'unreadable message dropped',
      },
    ]);
  });
});

describe('the cost of decoding on the hot path (logged, not asserted: timing depends on the machine)', () => {
  const perMessageNs = (rounds: number, work: () => void) => {
    for (let i = 0; i < rounds / 10; i++) work(); // warm-up (JIT; the schema compiles on first use)
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) work();
    return Number(process.hrtime.bigint() - start) / rounds;
  };

  it('measures the compiled check against JSON.parse, per message', () => {
    const samples = [
      { contract: Messages.acceptedTask, value: TASK },
      { contract: Messages.taskEvent, value: SUCCEEDED },
    ] as const;
    const decoder = new TextDecoder();
    for (const { contract, value } of samples) {
      const body = bytes(value);
      const compiled = compiledContract(contract as MessageContract<unknown>);
      expect(compiled.check(value)).toBeUndefined();
      const checkNs = perMessageNs(100_000, () => compiled.check(value));
      const parseNs = perMessageNs(50_000, () => JSON.parse(decoder.decode(body)));
      const decodeNs = perMessageNs(50_000, () => decodeMessage(contract as MessageContract<unknown>, body));
      console.log(
        `${contract.name} (${body.length} B): compiled check ${checkNs.toFixed(0)} ns; ` +
          `JSON.parse ${parseNs.toFixed(0)} ns; whole decode ${decodeNs.toFixed(0)} ns per message`,
      );
    }
  });
});

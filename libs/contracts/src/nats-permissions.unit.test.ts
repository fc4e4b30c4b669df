import { describe, expect, it } from 'vitest';
import { createNames } from './names.js';
import { natsAuthorization, natsPermissions, natsUsers, type SubjectPermission } from './nats-permissions.js';

/** NATS subject matching: `*` one token, `>` the rest (one or more tokens). */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

const may = (permission: SubjectPermission, subject: string) =>
  permission.allow.some((p) => matches(p, subject)) &&
  !(permission.deny ?? []).some((p) => matches(p, subject));

const prod = createNames('asyncfn');
const other = createNames('t_other_abc123456');
const perms = (user: string) => natsPermissions(user, 'asyncfn')!;

describe('natsPermissions', () => {
  it('the matcher follows NATS wildcards', () => {
    expect(matches('a.*.c', 'a.b.c')).toBe(true);
    expect(matches('a.>', 'a.b.c')).toBe(true);
    expect(matches('a.>', 'a')).toBe(false);
    expect(matches('a.*', 'a.b.c')).toBe(false);
  });

  it('admin has no limits; every service has its own limited user', () => {
    expect(natsPermissions('admin', 'asyncfn')).toBeUndefined();
    expect(natsUsers({ testUsers: false })).toEqual([
      'ingress',
      'dispatcher',
      'executor',
      'status',
      'destination',
      'admin',
    ]);
    expect(natsUsers({ testUsers: true })).toContain('test-executor');
    expect(() => natsPermissions('nobody', 'asyncfn')).toThrow(/unknown NATS user/);
  });

  it('the executor publishes events, task logs, instances and deferred tasks; never runs or function configs', () => {
    const { publish, subscribe } = perms('executor');
    expect(may(publish, prod.subjects.event('default', 'fn', 'TaskStarted'))).toBe(true);
    expect(may(publish, `$KV.${prod.kv.logs}.default.t1`)).toBe(true);
    expect(may(publish, `$KV.${prod.kv.instances}.x`)).toBe(true);
    expect(may(publish, `$JS.API.CONSUMER.MSG.NEXT.${prod.streams.runs}.executor`)).toBe(true);
    expect(may(publish, `$JS.ACK.${prod.streams.runs}.executor.1.2.3.4.5.6`)).toBe(true);
    expect(may(subscribe, prod.subjects.sync('default', 'fn'))).toBe(true);

    // A task due at once that it may not start yet goes to the dispatcher's queue.
    expect(may(publish, prod.subjects.task('default', 'fn', 't1'))).toBe(true);
    expect(may(publish, prod.subjects.run('default', 'fn'))).toBe(false);
    expect(may(publish, prod.subjects.directRun('default', 'fn', 't1'))).toBe(false);
    expect(may(publish, `$KV.${prod.kv.functions}.default.fn`)).toBe(false);
    expect(may(publish, `$KV.${prod.kv.stops}.default.t1`)).toBe(false);
    expect(may(publish, `$JS.API.STREAM.DELETE.${prod.streams.tasks}`)).toBe(false);
    expect(may(publish, `$JS.API.STREAM.PURGE.${prod.streams.events}`)).toBe(false);
    expect(may(publish, `$JS.API.CONSUMER.MSG.NEXT.${prod.streams.tasks}.dispatcher`)).toBe(false);
    expect(may(subscribe, prod.subjects.eventsAll)).toBe(false);
    // another namespace: nothing
    expect(may(publish, other.subjects.event('default', 'fn', 'TaskStarted'))).toBe(false);
    expect(may(publish, `$JS.API.STREAM.INFO.${other.streams.runs}`)).toBe(false);
  });

  it('only the ingress accepts tasks and writes function configs, stops, nonces and triggers', () => {
    for (const user of ['ingress', 'dispatcher', 'executor', 'status', 'destination']) {
      const { publish } = perms(user);
      expect(may(publish, prod.subjects.claim('default', 't1')), user).toBe(user === 'ingress');
      expect(may(publish, `$KV.${prod.kv.functions}.default.fn`), user).toBe(user === 'ingress');
      expect(may(publish, `$KV.${prod.kv.nonces}.n`), user).toBe(user === 'ingress');
      expect(may(publish, prod.subjects.run('default', 'fn')), user).toBe(user === 'dispatcher');
      // The status service's sweeper queues a task whose queue message was lost, as the ingress would.
      expect(may(publish, prod.subjects.directRun('default', 'fn', 't1')), user).toBe(
        user === 'ingress' || user === 'status',
      );
      expect(may(publish, prod.subjects.deadLetter('default', 'fn')), user).toBe(user === 'destination');
      expect(may(publish, `$JS.API.STREAM.DELETE.${prod.streams.tasks}`), user).toBe(false);
      expect(may(publish, '$SYS.REQ.SERVER.PING'), user).toBe(false);
      // all ensure the topology on start
      expect(may(publish, `$JS.API.STREAM.CREATE.${prod.streams.events}`), user).toBe(true);
      expect(may(publish, `$JS.API.STREAM.CREATE.KV_${prod.kv.logs}`), user).toBe(true);
    }
  });

  it("the destination publishes to users' subjects but not to the platform's", () => {
    const { publish } = perms('destination');
    expect(may(publish, 'orders.done')).toBe(true);
    expect(may(publish, '$JS.API.STREAM.NAMES')).toBe(true);
    expect(may(publish, prod.subjects.task('default', 'fn', 't1'))).toBe(false);
    expect(may(publish, prod.subjects.event('default', 'fn', 'TaskSucceeded'))).toBe(false);
    expect(may(publish, `$KV.${prod.kv.functions}.default.fn`)).toBe(false);
    expect(may(publish, `$JS.API.STREAM.DELETE.ORDERS`)).toBe(false);
  });

  it("the dispatcher subscribes to users' subjects (triggers) but not to the platform's", () => {
    const { subscribe, publish } = perms('dispatcher');
    expect(may(subscribe, 'orders.created')).toBe(true);
    expect(may(subscribe, '_INBOX.abc')).toBe(true);
    expect(may(subscribe, prod.subjects.sync('default', 'fn'))).toBe(false);
    expect(may(subscribe, prod.subjects.eventsAll)).toBe(false);
    expect(may(subscribe, `$KV.${prod.kv.functions}.default.fn`)).toBe(false);
    expect(may(publish, prod.subjects.intake)).toBe(true);
    expect(may(publish, `$JS.API.CONSUMER.CREATE.ORDERS.asyncfn-trigger-x`)).toBe(true);
  });

  it('test users work in any namespace but the production one', () => {
    const { publish, subscribe } = perms('test-executor');
    expect(may(publish, other.subjects.event('default', 'fn', 'TaskStarted'))).toBe(true);
    expect(may(publish, `$KV.${other.kv.logs}.default.t1`)).toBe(true);
    expect(may(publish, `$JS.API.CONSUMER.MSG.NEXT.${other.streams.runs}.executor`)).toBe(true);
    expect(may(publish, other.subjects.claim('default', 't1'))).toBe(false);
    expect(may(publish, `$JS.API.STREAM.DELETE.${other.streams.tasks}`)).toBe(false);

    expect(may(publish, prod.subjects.event('default', 'fn', 'TaskStarted'))).toBe(false);
    expect(may(publish, `$KV.${prod.kv.logs}.default.t1`)).toBe(false);
    expect(may(publish, `$JS.API.CONSUMER.MSG.NEXT.${prod.streams.runs}.executor`)).toBe(false);
    expect(may(publish, `$JS.API.STREAM.INFO.KV_${prod.kv.logs}`)).toBe(false);
    expect(may(subscribe, prod.subjects.sync('default', 'fn'))).toBe(false);
    expect(may(perms('test-destination').publish, prod.subjects.deliveriesAll.replace('>', 'a.b'))).toBe(
      false,
    );
  });

  it('renders one nats-server user per name, with its password', () => {
    const passwords = Object.fromEntries(natsUsers({ testUsers: true }).map((u) => [u, `pw-${u}`]));
    const { users } = natsAuthorization(passwords, { namespace: 'asyncfn', testUsers: true });
    expect(users.map((u) => u.user)).toEqual(natsUsers({ testUsers: true }));
    expect(users.find((u) => u.user === 'admin')).toEqual({ user: 'admin', password: 'pw-admin' });
    expect(users.find((u) => u.user === 'executor')?.permissions).toEqual(perms('executor'));
    expect(() => natsAuthorization({}, { namespace: 'asyncfn', testUsers: false })).toThrow(/no password/);
  });
});

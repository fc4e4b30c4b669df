import { describe, expect, it } from 'vitest';
import { BENCH_NAMESPACES, namespaceOf, TEST_NAMESPACES } from './harness/namespaces.js';

const testNamespaceOf = (stream: string) => namespaceOf(stream, TEST_NAMESPACES);
const benchNamespaceOf = (stream: string) => namespaceOf(stream, BENCH_NAMESPACES);

describe('test namespaces left in the servers', () => {
  it('are recognised by their streams and KV buckets', () => {
    expect(testNamespaceOf('T_FN_MWV9263V1A_EVENTS')).toBe('t_fn_mwv9263v1a');
    expect(testNamespaceOf('T_DEST_MWVJT528A9VR_DEAD_LETTERS')).toBe('t_dest_mwvjt528a9vr');
    expect(testNamespaceOf('KV_t_queues_mwvx0000a-stops')).toBe('t_queues_mwvx0000a');
  });

  it('never take another namespace for one', () => {
    expect(testNamespaceOf('ASYNCFN_EVENTS')).toBeUndefined();
    expect(testNamespaceOf('KV_asyncfn-functions')).toBeUndefined();
    expect(testNamespaceOf('T_PROD_EVENTS')).toBeUndefined();
    expect(testNamespaceOf('KV_t_prod-stops')).toBeUndefined();
    expect(testNamespaceOf('BENCH_MWV9263V_TASKS')).toBeUndefined();
    expect(testNamespaceOf('T_FN_MWV9263V1A_USERSTREAM')).toBeUndefined();
  });
});

describe('bench namespaces left in the servers', () => {
  it("are recognised by their streams, KV buckets and the JetStream peer's stream", () => {
    expect(benchNamespaceOf('BENCH_MIEC0Z4Q_TASKS')).toBe('bench_miec0z4q');
    expect(benchNamespaceOf('KV_bench_miec0z4q-nonces')).toBe('bench_miec0z4q');
    expect(benchNamespaceOf('BENCH_MIEC0Z4Q_PEER')).toBe('bench_miec0z4q');
  });

  it('never take another namespace for one', () => {
    expect(benchNamespaceOf('ASYNCFN_TASKS')).toBeUndefined();
    expect(benchNamespaceOf('BENCH_TASKS')).toBeUndefined();
    expect(benchNamespaceOf('KV_bench-nonces')).toBeUndefined();
    expect(benchNamespaceOf('T_FN_MWV9263V1A_EVENTS')).toBeUndefined();
    expect(benchNamespaceOf('ASYNCFN_PEER')).toBeUndefined();
  });
});

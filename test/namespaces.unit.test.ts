import { describe, expect, it } from 'vitest';
import { testNamespaceOf } from './harness/namespaces.js';

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

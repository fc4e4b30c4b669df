import { readSetting } from '@asyncfn/config';
import type { RuntimeLogger } from './types.js';

/**
 * The function's spans (function-tracing.mjs) travel over the shim's IPC channel as OTLP
 * protobuf, and the executor posts them to its own collector: a sandboxed function has no route to
 * the collector, and must not have one (it is part of the control plane).
 */
export interface SpansMessage {
  type: 'spans';
  body: Uint8Array;
}

const MAX_SPANS_BYTES = 4 * 1024 * 1024;

export function isSpansMessage(raw: unknown): raw is SpansMessage {
  const m = raw as Partial<SpansMessage> | null;
  return typeof m === 'object' && m !== null && m.type === 'spans' && m.body instanceof Uint8Array;
}

export function forwardSpans(body: Uint8Array, logger?: RuntimeLogger): void {
  if (body.byteLength === 0 || body.byteLength > MAX_SPANS_BYTES) return;
  const endpoint = readSetting('OTEL_EXPORTER_OTLP_ENDPOINT').replace(/\/$/, '');
  fetch(`${endpoint}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
    signal: AbortSignal.timeout(10_000),
  }).then(
    (res) => {
      if (!res.ok) logger?.debug({ status: res.status }, 'runtime: the collector refused function spans');
      return res.body?.cancel();
    },
    (err: unknown) => logger?.debug({ err }, 'runtime: function spans not exported'),
  );
}

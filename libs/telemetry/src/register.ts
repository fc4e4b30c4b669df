/*
 * Preload: starts telemetry before any service code is imported, so the auto-instrumentations can
 * patch http, fastify, mongodb, kafkajs and pino as they load.
 *
 *   node --import tsx --import ./libs/telemetry/src/register.ts services/<service>/src/main.ts
 *
 * CommonJS requires are patched by require-in-the-middle; modules imported from ESM (pino and
 * kafkajs are imported by our ESM code) need import-in-the-middle's loader hook. It is registered
 * with an include list fed by the instrumentations themselves, so only the packages they patch
 * are wrapped: never our TypeScript, which tsx's loader (registered first) compiles.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { readSetting } from '@asyncfn/config';
import { startTelemetry } from './sdk.js';

/** The service: SERVICE / ASYNCFN_SERVICE (the Docker image), else the entry point's path. */
function serviceName(): string | undefined {
  const fromEnv = readSetting('ASYNCFN_SERVICE') || readSetting('SERVICE');
  if (fromEnv) return fromEnv;
  const entry = (process.argv[1] ?? '').replaceAll('\\', '/');
  return /services\/([a-z]+)\/src\/main\.ts$/.exec(entry)?.[1];
}

const service = serviceName();
if (service && !readSetting('OTEL_SDK_DISABLED')) {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  startTelemetry(service, readSetting('OTEL_EXPORTER_OTLP_ENDPOINT'));
  // The loader thread must know every hooked module before the service's imports start.
  await waitForAllMessagesAcknowledged();
}

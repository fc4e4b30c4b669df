import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { SECRET_ENV_VARS, loadConfig, type Config, type ServiceName } from '@asyncfn/config';
import { createLogger, metricsRoute, startTelemetry, type Logger } from '@asyncfn/telemetry';
import { ServerUnreachableError } from '@asyncfn/contracts';
import { startHealthServer, type HealthState } from './health-server.js';
import { lowerCpuPriority } from './priority.js';

export interface ServiceContext {
  config: Config;
  logger: Logger;
  health: HealthState;
}

export interface StartedService {
  /** Stops taking work, drains, closes connections. */
  stop(): Promise<void>;
  /** Optional: this service serves its own HTTP port (the ingress) instead of a health server. */
  ownsPort?: boolean;
  /** Optional: takes the WebSocket upgrades of the service's health port (the executor's terminals). */
  upgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const SHUTDOWN_DEADLINE_MS = 8_000;

/**
 * The frame of every service: config, JSON logs, telemetry, health endpoints and /metrics, and a graceful
 * shutdown on SIGTERM/SIGINT. A server it cannot reach ends it with one clear line and exit 1.
 */
export async function runService(
  name: ServiceName,
  start: (ctx: ServiceContext) => Promise<StartedService>,
): Promise<void> {
  const config = loadConfig(name);
  // Read once; gone from the environment, so no child process inherits them.
  for (const variable of SECRET_ENV_VARS) delete process.env[variable];
  lowerCpuPriority(config.cpuNice);
  const logger = createLogger(name, config.logLevel);
  // Normally already started by the preload (register.ts); then this returns that SDK.
  const telemetry = startTelemetry(name, config.otlpEndpoint);
  const health: HealthState = { ready: false, checks: [] };
  let healthServer: Server | undefined;
  let service: StartedService;
  try {
    service = await start({ config, logger, health });
    if (!service.ownsPort)
      healthServer = await startHealthServer(config.host, config.port, health, metricsRoute);
    if (healthServer && service.upgrade) healthServer.on('upgrade', service.upgrade);
  } catch (err) {
    if (err instanceof ServerUnreachableError) {
      console.error(`asyncfn-${name}: ${err.message}`);
    } else {
      logger.fatal({ err }, 'failed to start');
      console.error(`asyncfn-${name}: failed to start: ${(err as Error).message}`);
    }
    await telemetry.shutdown();
    process.exit(1);
  }
  health.ready = true;
  logger.info({ port: config.port, namespace: config.namespace }, `asyncfn-${name} ready`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    health.ready = false;
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    try {
      await service.stop();
      healthServer?.close();
      await telemetry.shutdown();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

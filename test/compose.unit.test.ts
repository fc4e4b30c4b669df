import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_NAMES } from '@asyncfn/config';
import { ROOT } from '../scripts/stack.js';

/** compose.yaml cannot run here (no Docker engine); this keeps it coherent by reading it. */
type Compose = {
  services: Record<
    string,
    {
      image?: string;
      build?: { dockerfile: string };
      environment?: Record<string, string>;
      ports?: string[];
      command?: string[];
    }
  >;
};
const compose = parse(readFileSync(join(ROOT, 'deploy', 'compose.yaml'), 'utf8'), { merge: true }) as Compose;

describe('deploy/compose.yaml', () => {
  it('runs the four servers from pinned official images', () => {
    expect(compose.services.nats?.image).toMatch(/^nats:\d/);
    expect(compose.services.nats?.command).toContain('-js');
    expect(compose.services.mongo?.image).toMatch(/^mongo:\d/);
    expect(compose.services.mongo?.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\./);
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.jaeger?.image).toMatch(/^jaegertracing\//);
    for (const service of Object.values(compose.services))
      expect(service.image ?? 'built').not.toMatch(/:latest$/);
  });

  it('runs each of the five services from the Dockerfile, wired to the servers', () => {
    for (const name of SERVICE_NAMES) {
      const service = compose.services[name];
      expect(service, name).toBeDefined();
      expect(service?.build?.dockerfile).toBe('deploy/Dockerfile');
      expect(service?.environment).toMatchObject({
        SERVICE: name,
        NATS_URL: 'nats://nats:4222',
        MONGO_URL: expect.stringContaining('mongodb://mongo:27017'),
        KAFKA_BROKERS: 'kafka:9092',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      });
    }
    expect(compose.services.ingress?.ports).toContain('127.0.0.1:9000:9000');
  });

  it('the Dockerfile starts the service named by SERVICE', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/services\/\$\{SERVICE\}\/src\/main\.ts/);
    for (const name of SERVICE_NAMES)
      expect(readFileSync(join(ROOT, 'services', name, 'src', 'main.ts'), 'utf8')).toContain(
        `runService('${name}'`,
      );
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_NAMES, SERVICE_PORTS } from '@asyncfn/config';
import { MetricName } from '@asyncfn/telemetry';
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
      volumes?: (string | { type: string; source: string; target: string; volume?: { subpath?: string } })[];
      depends_on?: Record<string, { condition: string }>;
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
        MONGO_URL_FILE: '/run/asyncfn/services/mongo-url',
        KAFKA_BROKERS: 'kafka:9092',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      });
      // No credentials in an environment: from the secrets volume only.
      expect(service?.environment?.MONGO_URL).toBeUndefined();
      expect(service?.environment?.ASYNCFN_ACCESS_KEYS).toBeUndefined();
    }
    expect(compose.services.ingress?.ports).toContain('127.0.0.1:9000:9000');
  });

  it('NATS and MongoDB require the credentials the secrets container generates', () => {
    const secrets = compose.services.secrets;
    expect(secrets?.command).toEqual([
      'node',
      '--import',
      'tsx',
      'scripts/secrets.ts',
      'compose',
      '/secrets',
    ]);
    const mounted = (service: string) =>
      (compose.services[service]?.volumes ?? []).flatMap((v) =>
        typeof v === 'object' && v.source === 'secrets'
          ? [{ target: v.target, subpath: v.volume?.subpath }]
          : [],
      );
    expect(mounted('nats')).toEqual([{ target: '/run/asyncfn/nats', subpath: 'nats' }]);
    expect(compose.services.nats?.command).toEqual(
      expect.arrayContaining(['-c', '/run/asyncfn/nats/nats-auth.conf']),
    );
    expect(mounted('mongo')).toEqual([{ target: '/run/asyncfn/mongo', subpath: 'mongo' }]);
    expect(compose.services.mongo?.command).toEqual(
      expect.arrayContaining(['--keyFile', '/run/asyncfn/mongo/keyfile']),
    );
    expect(compose.services.mongo?.environment?.MONGO_INITDB_ROOT_PASSWORD_FILE).toBe(
      '/run/asyncfn/mongo/root.password',
    );
    for (const server of ['nats', 'mongo'])
      expect(compose.services[server]?.depends_on?.secrets?.condition).toBe('service_completed_successfully');
    for (const name of SERVICE_NAMES) {
      // each service sees its own directory only (not the servers' secrets)
      expect(mounted(name), name).toEqual([{ target: '/run/asyncfn/services', subpath: 'services' }]);
      expect(compose.services[name]?.environment?.ASYNCFN_SECRETS_DIR).toBe('/run/asyncfn/services');
    }
    const init = readFileSync(join(ROOT, 'deploy', 'compose', 'mongo-init.js'), 'utf8');
    expect(init).toContain('/run/asyncfn/mongo/asyncfn.password');
    expect(init).not.toMatch(/'root'|readWriteAnyDatabase.*root/);
  });

  it('the Dockerfile starts the service named by SERVICE', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/services\/\$\{SERVICE\}\/src\/main\.ts/);
    // OpenTelemetry must be started by the preload, before the service's modules load.
    expect(dockerfile).toMatch(/--import tsx --import \.\/libs\/telemetry\/src\/register\.ts services/);
    for (const name of SERVICE_NAMES)
      expect(readFileSync(join(ROOT, 'services', name, 'src', 'main.ts'), 'utf8')).toContain(
        `runService('${name}'`,
      );
  });

  it('runs Prometheus and Grafana from pinned official images, with their config mounted', () => {
    const prometheus = compose.services.prometheus;
    const grafana = compose.services.grafana;
    expect(prometheus?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(grafana?.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    const mounted = (volumes: (string | object)[] | undefined) =>
      (volumes ?? [])
        .flatMap((v) => (typeof v === 'string' ? [v.split(':')[0]!] : []))
        .filter((source) => source.startsWith('./'));
    const sources = [...mounted(prometheus?.volumes), ...mounted(grafana?.volumes)];
    expect(sources).toEqual(
      expect.arrayContaining([
        './prometheus/prometheus.yml',
        './prometheus/alerts.yml',
        './grafana/provisioning',
        './grafana/asyncfn-dashboard.json',
      ]),
    );
    for (const source of sources) expect(existsSync(join(ROOT, 'deploy', source)), source).toBe(true);
  });
});

describe('deploy/prometheus', () => {
  const config = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };

  it('scrapes /metrics of the five services at their compose names and ports', () => {
    const targets = config.scrape_configs.flatMap((job) => {
      expect(job.metrics_path ?? '/metrics').toBe('/metrics');
      return job.static_configs.flatMap((c) => c.targets);
    });
    expect(targets.sort()).toEqual(SERVICE_NAMES.map((name) => `${name}:${SERVICE_PORTS[name]}`).sort());
  });

  it('alerts AsyncfnBacklog when 5 or more tasks wait for a minute', () => {
    expect(config.rule_files).toContain('/etc/prometheus/alerts.yml');
    const rules = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string; for: string }[] }[];
    };
    const backlog = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'AsyncfnBacklog');
    expect(backlog?.for).toBe('1m');
    expect(backlog?.expr).toContain(MetricName.queueDepth);
    expect(backlog?.expr).toMatch(/>= 5$/);
  });
});

describe('deploy/grafana', () => {
  it('the dashboard charts metrics the services export', () => {
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy', 'grafana', 'asyncfn-dashboard.json'), 'utf8'),
    ) as { uid: string; panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const name of Object.values(MetricName)) expect(exprs, name).toContain(name);
    for (const used of exprs.match(/asyncfn_[a-z_]+/g) ?? []) {
      const base = used.replace(/_(total|bucket|sum|count)$/, '');
      expect(Object.values(MetricName) as string[], used).toContain(base);
    }
  });
});

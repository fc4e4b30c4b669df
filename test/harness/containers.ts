import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

/**
 * The same servers from official images, for machines with a Docker engine
 * (ASYNCFN_TESTCONTAINERS=1). MongoDB runs as a single-node replica set, as in compose.yaml.
 */
export async function startContainers(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const started: StartedTestContainer[] = [];
  const nats = await new GenericContainer('nats:2.11')
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  started.push(nats);
  const mongo = await new GenericContainer('mongo:7')
    .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
    .start();
  started.push(mongo);
  await mongo.exec([
    'mongosh',
    '--quiet',
    '--eval',
    "rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})",
  ]);
  // Kafka advertises the port it listens on, so the host port must be the same.
  const kafka = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: 9092, host: 9092 })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  started.push(kafka);
  const jaeger = await new GenericContainer('jaegertracing/all-in-one:1.62.0')
    .withEnvironment({ COLLECTOR_OTLP_ENABLED: 'true' })
    .withExposedPorts(4318, 16686)
    .start();
  started.push(jaeger);
  const env = {
    NATS_URL: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    MONGO_URL: `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/?directConnection=true`,
    KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9092)}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${jaeger.getHost()}:${jaeger.getMappedPort(4318)}`,
    JAEGER_QUERY_URL: `http://${jaeger.getHost()}:${jaeger.getMappedPort(16686)}`,
  };
  return { env, stop: async () => void (await Promise.all(started.map((c) => c.stop()))) };
}

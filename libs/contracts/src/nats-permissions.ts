import { createNames, type Names } from './names.js';

/**
 * NATS users of the control plane and what each may publish and subscribe to, built from the
 * contract names: the one place these lists live (deploy/local and deploy/compose render the
 * nats-server config from it). See docs/control-plane-auth.md.
 */
export const NATS_SERVICE_USERS = ['ingress', 'dispatcher', 'executor', 'status', 'destination'] as const;
export type NatsServiceUser = (typeof NATS_SERVICE_USERS)[number];
/**
 * Users of the services started for tests and the bench (scripts/stack.ts): `test-<service>`, the
 * same rights in any namespace but the production one.
 */
export const TEST_USER_PREFIX = 'test-';
/**
 * The services (their production namespace only), `admin` (tests, bench, scripts/queue.ts,
 * operators: no limits) and, on servers that also run tests, the test users.
 */
export function natsUsers(options: { testUsers: boolean }): string[] {
  return [
    ...NATS_SERVICE_USERS,
    'admin',
    ...(options.testUsers ? NATS_SERVICE_USERS.map((s) => `${TEST_USER_PREFIX}${s}`) : []),
  ];
}

export interface SubjectPermission {
  allow: string[];
  deny?: string[];
}
export interface NatsPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
}

/**
 * Which namespaces a user may work in: one (the services: `ASYNCFN_NAMESPACE`), or any (`'*'`, the
 * test users, whose namespaces are made up per test file). NATS wildcards match whole tokens only,
 * so for any namespace a stream or bucket name is `*`: what a test service may do is limited, but
 * not to which namespace's streams or buckets it does it.
 */
type NamespaceScope = string;
const ANY_NAMESPACE: NamespaceScope = '*';

/** Names of the scope: the real ones, or wildcards standing for every namespace's. */
interface ScopedNames {
  subjects: Names['subjects'];
  stream: (name: string) => string;
  bucket: (name: string) => string;
  names: Names;
}

function scoped(scope: NamespaceScope): ScopedNames {
  if (scope !== ANY_NAMESPACE) {
    const names = createNames(scope);
    return { names, subjects: names.subjects, stream: (s) => s, bucket: (b) => b };
  }
  // A placeholder namespace whose first subject token becomes `*`.
  const names = createNames('nsplaceholder');
  const subjects = Object.fromEntries(
    Object.entries(names.subjects).map(([key, value]) => [
      key,
      typeof value === 'string'
        ? value.replace(/^nsplaceholder\./, '*.')
        : (...args: string[]) =>
            (value as (...a: string[]) => string)(...args).replace(/^nsplaceholder\./, '*.'),
    ]),
  ) as unknown as Names['subjects'];
  return { names, subjects, stream: () => '*', bucket: () => '*' };
}

type Bucket = keyof Names['kv'];
type Stream = keyof Names['streams'];

/** What one service does, in terms of the contract names. */
interface ServiceUse {
  /** Platform subjects it publishes to (JetStream publishes included). */
  publishes: (s: Names['subjects']) => string[];
  /** Core NATS subjects it subscribes to (JetStream deliveries come to its inbox). */
  subscribes: (s: Names['subjects']) => string[];
  /** Durable consumers it pulls from: [stream, consumer]. */
  consumes: [Stream, keyof Names['consumers']][];
  /** Streams whose messages it reads or deletes by sequence. */
  streamMessages: Stream[];
  /** KV buckets it writes to (put, create, update, delete). */
  writesBuckets: Bucket[];
  /** KV buckets it reads or watches. */
  readsBuckets: Bucket[];
  /** Answers core NATS requests (publishes replies to requesters' inboxes). */
  replies: boolean;
  /** Works with user subjects and streams too (triggers, NATS destinations). */
  userSubjects?: 'subscribe' | 'publish';
}

const ALL_BUCKETS: Bucket[] = ['functions', 'stops', 'nonces', 'logs', 'instances', 'triggers', 'leases'];

const USES: Record<NatsServiceUser, ServiceUse> = {
  ingress: {
    // A task due now is queued straight to the executors (runs), a delayed one to the dispatcher.
    publishes: (s) => [s.tasksAll, s.directRunsAll, s.claimsAll, s.eventsAll, s.redeliveriesAll, s.syncAll],
    // Intake requests; MNS-style queue receives (woken by the queue's subject); the console's feed.
    subscribes: (s) => [s.intake, s.queuesAll, s.applied('*')],
    consumes: [],
    streamMessages: ['claims', 'tasks', 'runs', 'queues'],
    writesBuckets: ['functions', 'stops', 'nonces', 'triggers'],
    readsBuckets: ALL_BUCKETS,
    replies: true,
  },
  dispatcher: {
    publishes: (s) => [s.run('*', '*'), s.eventsAll, s.intake],
    subscribes: () => [],
    consumes: [
      ['tasks', 'dispatcher'],
      ['events', 'dispatcherStops'],
    ],
    // A stop takes a still-queued task out of either queue.
    streamMessages: ['tasks', 'runs'],
    // Concurrency leases: a slot is taken before a task is handed to the executors.
    writesBuckets: ['leases'],
    readsBuckets: ['functions', 'stops', 'triggers'],
    replies: false,
    userSubjects: 'subscribe',
  },
  executor: {
    // A task it may not start yet (delayed by a pause or a concurrency limit) goes to the dispatcher.
    publishes: (s) => [s.eventsAll, s.tasksAll],
    subscribes: (s) => [s.syncAll],
    consumes: [['runs', 'executor']],
    streamMessages: ['runs', 'tasks'],
    writesBuckets: ['logs', 'instances', 'leases'],
    readsBuckets: ['functions', 'stops'],
    replies: true,
  },
  status: {
    // Queue messages (the sweeper, to either queue) and, after each write, what it recorded (the console's feed).
    publishes: (s) => [s.tasksAll, s.directRunsAll, s.applied('*')],
    subscribes: () => [],
    consumes: [
      ['claims', 'statusClaims'],
      ['events', 'status'],
    ],
    streamMessages: ['tasks', 'runs', 'claims'],
    writesBuckets: [],
    readsBuckets: [],
    replies: false,
  },
  destination: {
    publishes: (s) => [s.deliveriesAll, s.deadLettersAll, s.intake, s.queuesAll],
    subscribes: () => [],
    consumes: [
      ['events', 'destination'],
      ['deliveries', 'destinationDeliveries'],
      ['deliveries', 'destinationRedeliveries'],
    ],
    streamMessages: [],
    writesBuckets: [],
    readsBuckets: ['functions'],
    replies: false,
    userSubjects: 'publish',
  },
};

const JS = '$JS.API';

/** Every service ensures the whole topology on start (streams, durable consumers, KV buckets). */
function topologyApi(n: ScopedNames): string[] {
  const streams = [
    ...Object.values(n.names.streams).map(n.stream),
    ...Object.values(n.names.kv).map((b) => `KV_${n.bucket(b)}`),
  ];
  return [
    `${JS}.INFO`,
    ...[...new Set(streams)].flatMap((s) => [
      `${JS}.STREAM.INFO.${s}`,
      `${JS}.STREAM.CREATE.${s}`,
      `${JS}.STREAM.UPDATE.${s}`,
      // Consumer info/create/update: durables of the topology, and the ordered consumers of KV
      // watches and key listings (CONSUMER.CREATE.<stream>.<name>.<filter>).
      `${JS}.CONSUMER.INFO.${s}.*`,
      `${JS}.CONSUMER.CREATE.${s}.>`,
      `${JS}.CONSUMER.DURABLE.CREATE.${s}.*`,
    ]),
  ];
}

function bucketSubjects(n: ScopedNames, use: ServiceUse): string[] {
  const read = [...new Set([...use.readsBuckets, ...use.writesBuckets])].flatMap((b) => {
    const bucket = n.bucket(n.names.kv[b]);
    return [
      `${JS}.DIRECT.GET.KV_${bucket}`,
      `${JS}.DIRECT.GET.KV_${bucket}.>`,
      `${JS}.STREAM.MSG.GET.KV_${bucket}`,
    ];
  });
  const write = use.writesBuckets.map((b) => `$KV.${n.bucket(n.names.kv[b])}.>`);
  return [...read, ...write];
}

function consumeSubjects(n: ScopedNames, use: ServiceUse): string[] {
  return use.consumes.flatMap(([stream, consumer]) => {
    const s = n.stream(n.names.streams[stream]);
    const c = n.names.consumers[consumer];
    // pull requests, and acks / naks / progress on the messages delivered
    return [`${JS}.CONSUMER.MSG.NEXT.${s}.${c}`, `$JS.ACK.${s}.${c}.>`];
  });
}

/** Platform subjects nobody but the services that own them may touch, denied to user-subject work. */
function platformSubjects(n: ScopedNames): string[] {
  const s = n.subjects;
  return [
    s.tasksAll,
    s.claimsAll,
    s.runsAll,
    s.eventsAll,
    s.syncAll,
    s.deadLettersAll,
    s.deliveriesAll,
    s.redeliveriesAll,
    s.intake,
    s.queuesAll,
    s.applied('*'),
    '$KV.>',
    '$SYS.>',
  ];
}

/** Everything of one namespace, for deny lists: its subjects, streams, consumers and buckets. */
function namespaceSubjects(namespace: string): string[] {
  const names = createNames(namespace);
  const streams = [...Object.values(names.streams), ...Object.values(names.kv).map((b) => `KV_${b}`)];
  return [
    `${names.namespace}.>`,
    ...Object.values(names.kv).map((bucket) => `$KV.${bucket}.>`),
    ...streams.flatMap((s) => [
      // $JS.API.STREAM.INFO.<s>, .CONSUMER.INFO.<s>.<c>, .STREAM.MSG.GET.<s>, .CONSUMER.MSG.NEXT.<s>.<c>, …
      `${JS}.*.*.${s}`,
      `${JS}.*.*.${s}.>`,
      `${JS}.*.*.*.${s}`,
      `${JS}.*.*.*.${s}.>`,
      `$JS.ACK.${s}.>`,
      `$JS.FC.${s}.>`,
    ]),
  ];
}

/**
 * What `user` may publish and subscribe to; `undefined` for admin (everything). `namespace` is the
 * production namespace (ASYNCFN_NAMESPACE): the services' users are limited to it, the test users
 * kept out of it.
 */
export function natsPermissions(user: string, namespace: string): NatsPermissions | undefined {
  if (user === 'admin') return undefined;
  const test = user.startsWith(TEST_USER_PREFIX);
  const service = (test ? user.slice(TEST_USER_PREFIX.length) : user) as NatsServiceUser;
  if (!NATS_SERVICE_USERS.includes(service)) throw new Error(`unknown NATS user ${user}`);
  const permissions = servicePermissions(service, test ? ANY_NAMESPACE : namespace);
  if (test) {
    const production = namespaceSubjects(namespace);
    permissions.publish.deny = [...(permissions.publish.deny ?? []), ...production];
    permissions.subscribe.deny = [...(permissions.subscribe.deny ?? []), ...production];
  }
  return permissions;
}

function servicePermissions(user: NatsServiceUser, scope: NamespaceScope): NatsPermissions {
  const n = scoped(scope);
  const use = USES[user];
  const js = [
    ...topologyApi(n),
    ...bucketSubjects(n, use),
    ...consumeSubjects(n, use),
    ...use.streamMessages.flatMap((st) => {
      const s = n.stream(n.names.streams[st]);
      return [
        `${JS}.STREAM.MSG.GET.${s}`,
        `${JS}.DIRECT.GET.${s}`,
        `${JS}.DIRECT.GET.${s}.>`,
        `${JS}.STREAM.MSG.DELETE.${s}`,
      ];
    }),
    // Flow control replies of the ordered consumers behind KV watches.
    '$JS.FC.>',
  ];
  const publish: SubjectPermission = {
    allow: [...use.publishes(n.subjects), ...js, ...(use.replies ? ['_INBOX.>'] : [])],
  };
  const subscribe: SubjectPermission = { allow: ['_INBOX.>', ...use.subscribes(n.subjects)] };
  if (user === 'dispatcher') {
    // NATS triggers: subscribe to users' subjects, and durable consumers on users' streams.
    subscribe.allow.push('>');
    subscribe.deny = platformSubjects(n).filter((subject) => subject !== n.subjects.intake);
    publish.allow.push(`${JS}.CONSUMER.>`, '$JS.ACK.>');
  }
  if (user === 'destination') {
    // NATS destinations: users' subjects (core or JetStream), found with STREAM.NAMES.
    publish.allow.push('>');
    publish.deny = [
      ...platformSubjects(n).filter((subject) => !use.publishes(n.subjects).includes(subject)),
      `${JS}.STREAM.DELETE.>`,
      `${JS}.STREAM.PURGE.>`,
      `${JS}.CONSUMER.DELETE.>`,
      `${JS}.STREAM.MSG.DELETE.>`,
    ];
  }
  publish.allow = [...new Set(publish.allow)];
  return { publish, subscribe };
}

/** The nats-server `authorization` block (JSON, which nats-server's config format accepts). */
export function natsAuthorization(
  passwords: Record<string, string>,
  options: { namespace: string; testUsers: boolean },
): { users: { user: string; password: string; permissions?: NatsPermissions }[] } {
  return {
    users: natsUsers(options).map((user) => {
      const password = passwords[user];
      if (!password) throw new Error(`no password for NATS user ${user}`);
      const permissions = natsPermissions(user, options.namespace);
      return { user, password, ...(permissions ? { permissions } : {}) };
    }),
  };
}

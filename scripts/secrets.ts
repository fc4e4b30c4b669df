/**
 * The control plane's credentials for deploy/local (and deploy/compose's init container):
 *
 *   node --import tsx scripts/secrets.ts ensure <secrets dir> <mongo host:port>
 *     creates what is missing: the directory (0700) and every file (0600), with random secrets
 *     (access-keys: the README's local key, LTAIasyncfnLocalKey, until you replace it);
 *     an existing file is kept (delete one to rotate it, see docs/control-plane-auth.md);
 *     mongo-url, postgres-url and pgpass are rewritten from the passwords on every run.
 *   node --import tsx scripts/secrets.ts nats-conf <secrets dir> <namespace> <out file> [test-users]
 *     writes the nats-server `authorization` block (0600) for the users of
 *     libs/contracts natsPermissions (the services' limited to <namespace>; with test-users,
 *     also the users of the services tests and the bench start), with their passwords, to be
 *     included by nats.conf.
 *   node --import tsx scripts/secrets.ts compose <volume dir>
 *     deploy/compose.yaml's init container: the same secrets in one volume, a subdirectory per
 *     reader, each owned by the user that reads it: nats/ (the authorization block), mongo/ (the
 *     root and service passwords, the replica set's keyFile; uid 999) and services/ (NATS
 *     passwords, mongo-url, access-keys; uid 1000, the image's `node` user).
 *
 * Secrets are never printed and never passed on a command line or in an environment.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LOCAL_ACCESS_KEYS } from '@asyncfn/auth';
import { SecretFiles } from '@asyncfn/config';
import { natsAuthorization, natsUsers } from '@asyncfn/contracts';

/** PostgreSQL roles: the superuser servers.sh administers with, and FerretDB's clients' role. */
export const PG_ADMIN_ROLE = 'postgres';
export const PG_SERVICE_ROLE = 'asyncfn';
export const pgPasswordFile = (role: string) => `pg-${role}.password`;

/** deploy/local's PostgreSQL cluster (lib.sh PG_HOST, PG_PORT). */
const LOCAL_POSTGRES = '127.0.0.1:54329';

const random = () => randomBytes(24).toString('base64url');

/** Writes atomically with mode 0600 (the temp file has it from the start). */
function writeSecret(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function ensureFile(path: string, make: () => string): string {
  if (!existsSync(path)) writeSecret(path, `${make()}\n`);
  chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

function ensure(dir: string, mongoHostPort: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const user of natsUsers({ testUsers: true }))
    ensureFile(join(dir, SecretFiles.natsPassword(user)), random);
  const admin = ensureFile(join(dir, pgPasswordFile(PG_ADMIN_ROLE)), random);
  const service = ensureFile(join(dir, pgPasswordFile(PG_SERVICE_ROLE)), random);
  ensureFile(join(dir, SecretFiles.accessKeys), () => DEFAULT_LOCAL_ACCESS_KEYS);
  // FerretDB 1.x passes a client's user and password (SASL PLAIN) through to PostgreSQL.
  const url = (role: string, password: string) =>
    `mongodb://${role}:${encodeURIComponent(password)}@${mongoHostPort}/?authMechanism=PLAIN`;
  writeSecret(join(dir, SecretFiles.mongoUrl), `${url(PG_SERVICE_ROLE, service)}\n`);
  // The task store `postgresql` (ASYNCFN_TASK_STORE): the same role, in a database of its own.
  writeSecret(
    join(dir, SecretFiles.postgresUrl),
    `postgres://${PG_SERVICE_ROLE}:${encodeURIComponent(service)}@${LOCAL_POSTGRES}/asyncfn\n`,
  );
  // psql / pg_isready of servers.sh (PGPASSFILE): host:port:database:user:password
  writeSecret(join(dir, 'pgpass'), `*:*:*:${PG_ADMIN_ROLE}:${admin}\n*:*:*:${PG_SERVICE_ROLE}:${service}\n`);
}

function natsConf(dir: string, namespace: string, out: string, testUsers: boolean): void {
  const passwords = Object.fromEntries(
    natsUsers({ testUsers }).map((user) => [
      user,
      readFileSync(join(dir, SecretFiles.natsPassword(user)), 'utf8').trim(),
    ]),
  );
  const header = `# Written by scripts/secrets.ts from libs/contracts natsPermissions (namespace ${namespace}); edits are lost.\n`;
  const authorization = natsAuthorization(passwords, { namespace, testUsers });
  writeSecret(out, `${header}authorization: ${JSON.stringify(authorization, null, 2)}\n`);
}

/** Container uids of deploy/compose.yaml: the official mongo image's `mongodb`, the services' `node`. */
const MONGO_UID = 999;
const NODE_UID = 1000;

function compose(volume: string): void {
  const dirs = {
    nats: join(volume, 'nats'),
    mongo: join(volume, 'mongo'),
    services: join(volume, 'services'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const users = natsUsers({ testUsers: false });
  const passwords = Object.fromEntries(
    users.map((user) => [user, ensureFile(join(dirs.services, SecretFiles.natsPassword(user)), random)]),
  );
  const authorization = natsAuthorization(passwords, { namespace: 'asyncfn', testUsers: false });
  writeSecret(
    join(dirs.nats, 'nats-auth.conf'),
    `authorization: ${JSON.stringify(authorization, null, 2)}\n`,
  );
  ensureFile(join(dirs.mongo, 'root.password'), random);
  const service = ensureFile(join(dirs.mongo, `${PG_SERVICE_ROLE}.password`), random);
  // The replica set's members authenticate to each other with it (required with authorization).
  const keyFile = join(dirs.mongo, 'keyfile');
  ensureFile(keyFile, () => randomBytes(384).toString('base64'));
  chmodSync(keyFile, 0o400);
  writeSecret(
    join(dirs.services, SecretFiles.mongoUrl),
    `mongodb://${PG_SERVICE_ROLE}:${encodeURIComponent(service)}@mongo:27017/?replicaSet=rs0&authSource=admin\n`,
  );
  ensureFile(join(dirs.services, SecretFiles.accessKeys), () => DEFAULT_LOCAL_ACCESS_KEYS);
  const own = (dir: string, uid: number) => {
    chownSync(dir, uid, uid);
    for (const name of readdirSync(dir)) chownSync(join(dir, name), uid, uid);
  };
  own(dirs.mongo, MONGO_UID);
  own(dirs.services, NODE_UID);
}

const [command, dir, arg, extra, flag] = process.argv.slice(2);
if (command === 'ensure' && dir && arg) ensure(dir, arg);
else if (command === 'nats-conf' && dir && arg && extra) natsConf(dir, arg, extra, flag === 'test-users');
else if (command === 'compose' && dir) compose(dir);
else {
  console.error(
    'usage: secrets.ts ensure <dir> <mongo host:port> | nats-conf <dir> <namespace> <out> [test-users] | compose <dir>',
  );
  process.exit(2);
}

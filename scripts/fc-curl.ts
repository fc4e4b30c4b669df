/**
 * curl with ACS3-HMAC-SHA256 signing, for calling the asyncfn (FC 3.0) API from a shell.
 *
 *   npx tsx scripts/fc-curl.ts [-X METHOD] [-H 'k: v']... [-d DATA | --data-binary @file] URL [-- extra curl args]
 *
 * Credentials: ASYNCFN_ACCESS_KEY_ID / ASYNCFN_ACCESS_KEY_SECRET (default: the local default key).
 * -d/--data/--data-raw DATA sends DATA (default Content-Type application/json); --data-binary DATA
 * (default application/octet-stream). A value starting with '@' is a file sent byte for byte
 * ('@-' = stdin); unlike curl's -d, newlines are kept. Signed: host, content-type, x-acs-*.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readSetting } from '@asyncfn/config';
import { parseQueryString, signAcs3Request } from '../libs/auth/src/index.js';

const USAGE =
  "usage: fc-curl [-X METHOD] [-H 'Name: value']... [-d DATA | --data-binary @file] URL [-- curl args...]";

function fail(message: string): never {
  console.error(`fc-curl: ${message}\n${USAGE}`);
  process.exit(2);
}

let method: string | undefined;
let url: string | undefined;
let dataKind: 'json' | 'binary' | undefined;
const bodyParts: Buffer[] = [];
const headers: Array<[string, string]> = [];
const passthrough: string[] = [];

function readData(value: string, allowFile: boolean): Buffer {
  if (!allowFile || !value.startsWith('@')) return Buffer.from(value, 'utf8');
  const file = value.slice(1);
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    return fail(`cannot read ${file}: ${(e as Error).message}`);
  }
}

const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  let arg = argv[i]!;
  const attached = /^-([XHd])(.+)$/.exec(arg);
  if (attached) {
    arg = `-${attached[1]}`;
    argv.splice(i + 1, 0, attached[2]!);
  }
  const next = (): string => argv[++i] ?? fail(`${arg} needs a value`);
  switch (arg) {
    case '-X':
    case '--request':
      method = next();
      break;
    case '-H':
    case '--header': {
      const h = next();
      const colon = h.indexOf(':');
      if (colon <= 0) fail(`bad header ${JSON.stringify(h)}, expected 'Name: value'`);
      headers.push([h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim()]);
      break;
    }
    case '-d':
    case '--data':
    case '--data-raw':
      if (bodyParts.length) bodyParts.push(Buffer.from('&'));
      bodyParts.push(readData(next(), arg !== '--data-raw'));
      dataKind ??= 'json';
      break;
    case '--data-binary':
      bodyParts.push(readData(next(), true));
      dataKind ??= 'binary';
      break;
    case '-h':
    case '--help':
      console.log(USAGE);
      process.exit(0);
      break;
    case '--':
      passthrough.push(...argv.slice(i + 1));
      i = argv.length;
      break;
    default:
      if (arg.startsWith('-') || url !== undefined)
        fail(`unsupported argument ${JSON.stringify(arg)} (put curl options after --)`);
      url = arg;
  }
}
if (url === undefined) fail('missing URL');

let target: URL;
try {
  target = new URL(url);
} catch {
  fail(`invalid URL ${JSON.stringify(url)}`);
}
const body = dataKind ? Buffer.concat(bodyParts) : undefined;
method ??= body ? 'POST' : 'GET';

const headerMap: Record<string, string> = {};
for (const [k, v] of headers) headerMap[k] = v; // a repeated -H replaces the earlier one
headerMap.host ??= target.host;
if (dataKind && headerMap['content-type'] === undefined) {
  headerMap['content-type'] = dataKind === 'json' ? 'application/json' : 'application/octet-stream';
}

const signed = signAcs3Request(
  { method, path: target.pathname, query: parseQueryString(target.search), headers: headerMap, body },
  {
    accessKeyId: readSetting('ASYNCFN_ACCESS_KEY_ID'),
    accessKeySecret: readSetting('ASYNCFN_ACCESS_KEY_SECRET'),
  },
  { date: new Date(), nonce: randomUUID() },
);

const curlArgs = ['-sS', '-i', '-g', '--path-as-is', '-X', method];
for (const [k, v] of Object.entries({ ...headerMap, ...signed })) curlArgs.push('-H', `${k}: ${v}`);
if (body) curlArgs.push('--data-binary', '@-');
curlArgs.push(...passthrough, `${target.origin}${target.pathname}${target.search}`);

const child = spawn('curl', curlArgs, { stdio: [body ? 'pipe' : 'inherit', 'inherit', 'inherit'] });
if (body) child.stdin?.end(body);
child.on('error', (e) => {
  console.error(`fc-curl: cannot run curl: ${e.message}`);
  process.exit(127);
});
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

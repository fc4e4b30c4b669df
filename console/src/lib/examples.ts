import { strToU8, zipSync } from 'fflate';

/** The repo's examples/, bundled into the page as text: a function can be created offline from one. */
const files = import.meta.glob('../../../examples/*/*', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export interface Example {
  name: string;
  description: string;
  /** The CreateFunction body without the code. */
  config: Record<string, unknown>;
}

export const EXAMPLES: Example[] = [
  {
    name: 'hello',
    description: 'Node.js: says hello to its payload',
    config: { runtime: 'nodejs20', handler: 'index.handler' },
  },
  {
    name: 'flaky',
    description: 'Node.js: always fails, to watch retries',
    config: { runtime: 'nodejs20', handler: 'index.handler' },
  },
  {
    name: 'long-job',
    description: 'Node.js: 10 minutes of steps; notices a stop; initializer and PreStop hooks',
    config: {
      runtime: 'nodejs20',
      handler: 'index.handler',
      timeout: 900,
      instanceLifecycleConfig: {
        initializer: { handler: 'index.initializer', timeout: 5 },
        preStop: { handler: 'index.preStop', timeout: 5 },
      },
    },
  },
  {
    name: 'python-hello',
    description: 'Python (custom runtime, standard library only)',
    config: { runtime: 'custom.debian12', customRuntimeConfig: { command: ['python3', 'server.py'] } },
  },
];

/** The example's folder as a zip, base64 (CreateFunction's code.zipFile). */
export function exampleZip(name: string): string {
  const entries: Record<string, Uint8Array> = {};
  for (const [path, text] of Object.entries(files)) {
    const [folder, file] = path.split('/').slice(-2);
    if (folder === name && file) entries[file] = strToU8(text);
  }
  if (Object.keys(entries).length === 0) throw new Error(`example '${name}' is not bundled`);
  return bytesToBase64(zipSync(entries));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

import { Command } from 'commander';
import type { ApiClient } from '../client.js';
import { contextOf } from '../context.js';
import { FcError } from '../errors.js';
import { loadSpecs, type DeployFlags } from '../deploy/load.js';
import type { FunctionSpec } from '../deploy/spec.js';
import { zipDirectory } from '../deploy/zip.js';
import { printJson, renderTable } from '../output.js';
import { parseCount } from '../parse.js';

interface Deployed {
  functionName: string;
  action: 'created' | 'updated';
  codeBytes: number;
  asyncInvokeConfig: boolean;
  ignored: string[];
}

async function exists(api: ApiClient, name: string): Promise<boolean> {
  try {
    await api.request('GET', `/functions/${encodeURIComponent(name)}`);
    return true;
  } catch (err) {
    if (err instanceof FcError && err.status === 404) return false;
    throw err;
  }
}

/** Creates or updates one function, then its async config. */
async function deployOne(api: ApiClient, spec: FunctionSpec): Promise<Deployed> {
  const zip = zipDirectory(spec.codeDir);
  const code = { zipFile: zip.toString('base64') };
  const path = `/functions/${encodeURIComponent(spec.functionName)}`;
  const update = await exists(api, spec.functionName);
  if (update) await api.call('PUT', path, { body: { ...spec.config, code } });
  else
    await api.call('POST', '/functions', { body: { functionName: spec.functionName, ...spec.config, code } });
  if (spec.asyncInvokeConfig)
    await api.call('PUT', `${path}/async-invoke-config`, { body: spec.asyncInvokeConfig });
  return {
    functionName: spec.functionName,
    action: update ? 'updated' : 'created',
    codeBytes: zip.length,
    asyncInvokeConfig: spec.asyncInvokeConfig !== undefined,
    ignored: spec.ignored,
  };
}

export function deployCommand(): Command {
  return new Command('deploy')
    .description('zip a directory and create or update its function(s), from asyncfn.yaml, s.yaml or flags')
    .argument('[dir]', 'the project directory', '.')
    .option('-t, --template <file>', 'the manifest (default: asyncfn.yaml, else s.yaml, in <dir>)')
    .option('--name <fn>', 'function name (overrides the manifest)')
    .option('--runtime <runtime>', 'nodejs20, custom.debian12, ...')
    .option('--handler <handler>', 'e.g. index.handler')
    .option('--timeout <seconds>', 'function timeout')
    .option('--memory-size <mb>', 'memory in MB')
    .addHelpText('after', '\nThe asyncfn.yaml format and the s.yaml props read: see cli/README.md.')
    .action(
      async (
        dir: string,
        opts: Omit<DeployFlags, 'timeout' | 'memorySize'> & { timeout?: string; memorySize?: string },
        command: Command,
      ) => {
        const { api, json } = contextOf(command);
        const { timeout, memorySize, ...rest } = opts;
        const specs = loadSpecs(
          dir,
          {
            ...rest,
            ...(timeout !== undefined ? { timeout: parseCount(timeout, '--timeout', 86_400) } : {}),
            ...(memorySize !== undefined
              ? { memorySize: parseCount(memorySize, '--memory-size', 32_768) }
              : {}),
          },
          process.env,
        );
        const results: Deployed[] = [];
        for (const spec of specs) results.push(await deployOne(api, spec));
        if (json) return printJson(results);
        console.log(
          renderTable(
            ['FUNCTION', 'ACTION', 'CODE', 'ASYNC CONFIG'],
            results.map((r) => [
              r.functionName,
              r.action,
              `${r.codeBytes} bytes`,
              r.asyncInvokeConfig ? 'set' : undefined,
            ]),
          ),
        );
        for (const r of results) {
          if (r.ignored.length)
            console.error(
              `asyncfn: ${r.functionName}: ignored (not used by asyncfn): ${r.ignored.join(', ')}`,
            );
        }
      },
    );
}

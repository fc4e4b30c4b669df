import { Command } from 'commander';
import type { AsyncConfig, FunctionInfo } from '../../api-types.js';
import type { ApiClient } from '../../client.js';
import { contextOf } from '../../context.js';
import { FcError } from '../../errors.js';
import { printJson, renderFields } from '../../output.js';

/** The function's async config, or undefined if it has none (404). */
async function asyncConfigOf(api: ApiClient, name: string): Promise<AsyncConfig | undefined> {
  try {
    return await api.call<AsyncConfig>('GET', `/functions/${encodeURIComponent(name)}/async-invoke-config`);
  } catch (err) {
    if (err instanceof FcError && err.status === 404) return undefined;
    throw err;
  }
}

export function functionsGet(): Command {
  return new Command('get')
    .description("a function's configuration and its async invoke config")
    .argument('<fn>', 'function name')
    .action(async (name: string, _opts, command: Command) => {
      const { api, json } = contextOf(command);
      const fn = await api.call<FunctionInfo>('GET', `/functions/${encodeURIComponent(name)}`);
      const asyncConfig = await asyncConfigOf(api, name);
      if (json) return printJson({ ...fn, asyncInvokeConfig: asyncConfig ?? null });
      const env = Object.entries(fn.environmentVariables ?? {});
      const dest = asyncConfig?.destinationConfig;
      console.log(
        renderFields([
          ['name', fn.functionName],
          ['runtime', fn.runtime],
          ['handler', fn.handler],
          ['description', fn.description],
          ['memory', fn.memorySize !== undefined ? `${fn.memorySize} MB` : undefined],
          ['timeout', fn.timeout !== undefined ? `${fn.timeout}s` : undefined],
          ['concurrency', fn.instanceConcurrency],
          [
            'code',
            fn.codeSize !== undefined ? `${fn.codeSize} bytes, checksum ${fn.codeChecksum}` : undefined,
          ],
          ['environment', env.map(([k, v]) => `${k}=${v}`).join(' ')],
          ['created', fn.createdTime],
          ['modified', fn.lastModifiedTime],
          ['async tasks', asyncConfig ? (asyncConfig.asyncTask === false ? 'off' : 'on') : 'default'],
          ['max retries', asyncConfig?.maxAsyncRetryAttempts],
          [
            'max event age',
            asyncConfig?.maxAsyncEventAgeInSeconds !== undefined
              ? `${asyncConfig.maxAsyncEventAgeInSeconds}s`
              : undefined,
          ],
          ['on success', dest?.onSuccess?.destination],
          ['on failure', dest?.onFailure?.destination],
        ]),
      );
    });
}

import { FUNCTION_NAME, QUALIFIER } from './patterns.js';

/*
 * Destinations as FC writes them: Alibaba Cloud resource names. `acs:fc:<region>:<account>:
 * functions/<name>[/<qualifier>]` is a function destination (what asyncfn also spells
 * `function:<name>`); `acs:mns:` queues are accepted (served by asyncfn's local queues). Any other
 * `acs:` service is refused with the list of what is supported.
 */

export interface FunctionArn {
  region: string;
  account: string;
  functionName: string;
  qualifier?: string;
}

const FC_FUNCTION_ARN = /^acs:fc:([A-Za-z0-9-]*):([A-Za-z0-9_.-]+):functions\/([^/]+)(?:\/([^/]+))?$/;

/** The parts of an FC function ARN, or undefined when `uri` is not one (or names an invalid function). */
export function parseFunctionArn(uri: string): FunctionArn | undefined {
  const m = FC_FUNCTION_ARN.exec(uri);
  if (!m) return undefined;
  const [, region, account, functionName, qualifier] = m;
  if (!FUNCTION_NAME.test(functionName!)) return undefined;
  if (qualifier !== undefined && !QUALIFIER.test(qualifier)) return undefined;
  return {
    region: region!,
    account: account!,
    functionName: functionName!,
    ...(qualifier !== undefined ? { qualifier } : {}),
  };
}

export const SUPPORTED_DESTINATIONS =
  'acs:fc:<region>:<account>:functions/<name>[/<qualifier>], acs:mns:<region>:<account>:/queues/<queue>/messages, ' +
  'function:<name>, nats:<subject>, kafka:<topic> or http(s)://<url>';

const OTHER_SCHEMES =
  /^(nats:[A-Za-z0-9_.>*-]+|kafka:[A-Za-z0-9._-]+|https?:\/\/\S+|function:[A-Za-z_][A-Za-z0-9_-]{0,63})$/;

/** A destination config's FC function ARNs that name another account than `tenant` (their own). */
export function foreignFunctionArns(
  config: { onSuccess?: { destination: string }; onFailure?: { destination: string } } | undefined,
  tenant: string,
): string[] {
  return [config?.onSuccess?.destination, config?.onFailure?.destination].filter(
    (uri): uri is string => uri !== undefined && (parseFunctionArn(uri)?.account ?? tenant) !== tenant,
  );
}

/** Why a destination URI cannot be configured, or undefined when it can. */
export function destinationProblem(uri: string): string | undefined {
  if (uri.startsWith('acs:')) {
    const service = uri.split(':')[1] ?? '';
    if (service === 'mns') return undefined;
    if (service === 'fc') {
      return parseFunctionArn(uri)
        ? undefined
        : `'${uri.slice(0, 200)}' is not a function ARN (acs:fc:<region>:<account>:functions/<name>[/<qualifier>])`;
    }
    return `acs:${service.slice(0, 40)} destinations are not supported; supported: ${SUPPORTED_DESTINATIONS}`;
  }
  return OTHER_SCHEMES.test(uri) ? undefined : `must be ${SUPPORTED_DESTINATIONS}`;
}

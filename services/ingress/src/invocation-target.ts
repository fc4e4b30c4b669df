import type { FunctionRecord } from '@asyncfn/contracts';
import { asyncConfigFor, fcError, parseQualifier, resolveQualifier, taskModeOf } from '@asyncfn/core';

/**
 * What an invocation runs: refused while the function's invocation is disabled; the qualifier
 * (absent: LATEST) resolved to a version now (an alias's weights decide here, once).
 */
export function resolveInvocation(
  fn: FunctionRecord,
  rawQualifier: unknown,
): { qualifier: string; resolvedVersion: string } {
  if (fn.invocationDisabled) {
    const why = fn.invocationDisabled.reason ? ` (${fn.invocationDisabled.reason})` : '';
    throw fcError('FunctionDisabled', { functionName: fn.functionName, reason: why });
  }
  const qualifier = parseQualifier(rawQualifier);
  return { qualifier, resolvedVersion: resolveQualifier(fn, qualifier) };
}

/**
 * What an asynchronous invocation becomes, for every way in (InvokeFunction, HTTP triggers, the
 * intake): the version it runs (resolveInvocation) and whether it is a recorded task, by the task
 * mode of the qualifier's async config (asyncTask; `defaultTaskMode` when unset) unless the caller
 * decides (FC 2.0's X-Fc-Stateful-Async-Invocation-Enable).
 */
export function asyncInvocationTarget(
  fn: FunctionRecord,
  rawQualifier: unknown,
  options: { defaultTaskMode: boolean; tracked?: boolean | undefined },
): { qualifier: string; resolvedVersion: string; tracked: boolean } {
  const target = resolveInvocation(fn, rawQualifier);
  const tracked =
    options.tracked ?? taskModeOf(asyncConfigFor(fn, target.qualifier), options.defaultTaskMode);
  return { ...target, tracked };
}

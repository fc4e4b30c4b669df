import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { FUNCTION_FIELDS, asyncConfigOf, isRecord, pick, type FunctionSpec } from './spec.js';

export const S_YAML_FILES = ['s.yaml', 's.yml'];

/**
 * Serverless Devs' s.yaml, edition 3.0.0: every resource of the `fc3` component becomes a
 * function. Props asyncfn has (functionName, runtime, handler, memorySize, timeout, code,
 * asyncInvokeConfig, ...) are used; cloud-only ones (region, role, vpcConfig, logConfig,
 * triggers, ...) are listed as ignored. Placeholders: `${vars.x}`, `${env('X')}` / `${env.X}`,
 * and `${config('AccountID')}` / `${config('region')}` (mapped to `local`: the account and region
 * in ARNs mean nothing to asyncfn).
 */
export function parseSYaml(
  text: string,
  dir: string,
  env: Record<string, string | undefined>,
): FunctionSpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`s.yaml: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc)) throw new UsageError('s.yaml: expected a mapping');
  if (String(doc.edition) !== '3.0.0') {
    throw new UsageError(
      `s.yaml: edition ${String(doc.edition)} is not supported; asyncfn reads edition 3.0.0 (the fc3 component)`,
    );
  }
  const vars = isRecord(doc.vars) ? doc.vars : {};
  const resources = isRecord(doc.resources) ? doc.resources : {};
  const specs: FunctionSpec[] = [];
  for (const [key, raw] of Object.entries(resources)) {
    if (!isRecord(raw) || typeof raw.component !== 'string' || !/^fc3(@|$)/.test(raw.component)) continue;
    const where = `s.yaml resources.${key}.props`;
    const rawProps = raw.props ?? {};
    if (!isRecord(rawProps)) throw new UsageError(`${where}: expected a mapping`);
    const used = ['functionName', 'code', 'asyncInvokeConfig', ...FUNCTION_FIELDS];
    const ignored = Object.keys(rawProps).filter((k) => !used.includes(k));
    // Only the props asyncfn uses are resolved: a cloud-only prop may hold placeholders it cannot.
    const props = substitute(pick(rawProps, used), { vars, env }, where) as Record<string, unknown>;
    if (typeof props.functionName !== 'string') throw new UsageError(`${where}.functionName is required`);
    if (typeof props.runtime !== 'string') throw new UsageError(`${where}.runtime is required`);
    const asyncInvokeConfig = asyncConfigOf(props.asyncInvokeConfig, where, ignored);
    specs.push({
      functionName: props.functionName,
      codeDir: resolve(dir, codePath(props.code, where)),
      config: pick(props, FUNCTION_FIELDS),
      ...(asyncInvokeConfig ? { asyncInvokeConfig } : {}),
      ignored,
    });
  }
  if (specs.length === 0) throw new UsageError('s.yaml: no resource uses the fc3 component');
  return specs;
}

function codePath(code: unknown, where: string): string {
  if (code === undefined) return '.';
  if (typeof code === 'string') return code;
  if (isRecord(code) && typeof code.src === 'string') return code.src;
  throw new UsageError(`${where}.code: a local directory path (code in OSS is not supported)`);
}

const PLACEHOLDER = /\$\{\s*([^}]+?)\s*\}/g;

/** Replaces `${...}` placeholders in every string of `value`; an unknown one is a usage error. */
export function substitute(
  value: unknown,
  scope: { vars: Record<string, unknown>; env: Record<string, string | undefined> },
  where: string,
): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_all, expr: string) => resolvePlaceholder(expr, scope, where));
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, scope, `${where}[${i}]`));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, scope, `${where}.${k}`)]),
    );
  }
  return value;
}

function resolvePlaceholder(
  expr: string,
  scope: { vars: Record<string, unknown>; env: Record<string, string | undefined> },
  where: string,
): string {
  const unquote = (s: string) => s.trim().replace(/^['"]|['"]$/g, '');
  let m = /^vars\.([\w-]+)$/.exec(expr) ?? /^vars\[(.+)\]$/.exec(expr);
  if (m) {
    const v = scope.vars[unquote(m[1]!)];
    if (v === undefined) throw new UsageError(`${where}: \${${expr}} is not in vars`);
    return String(v);
  }
  m = /^env\((.+)\)$/.exec(expr) ?? /^env\.([\w]+)$/.exec(expr);
  if (m) {
    const v = scope.env[unquote(m[1]!)];
    if (v === undefined) throw new UsageError(`${where}: \${${expr}}: the variable is not set`);
    return v;
  }
  m = /^config\((.+)\)$/.exec(expr);
  if (m) return 'local';
  throw new UsageError(`${where}: the placeholder \${${expr}} is not supported (vars, env and config are)`);
}

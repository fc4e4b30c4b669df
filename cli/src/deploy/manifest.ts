import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { FUNCTION_FIELDS, asyncConfigOf, isRecord, pick, type FunctionSpec } from './spec.js';

export const MANIFEST_FILE = 'asyncfn.yaml';

const KNOWN = new Set<string>(['functionName', 'code', 'asyncInvokeConfig', ...FUNCTION_FIELDS]);

/**
 * asyncfn.yaml: one function, FC's CreateFunction fields in YAML, plus `code` (the directory to
 * zip, relative to the manifest; default: the manifest's directory) and `asyncInvokeConfig`.
 * Unknown keys are refused, so a typo does not silently deploy a default.
 */
export function parseManifest(text: string, dir: string): FunctionSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`${MANIFEST_FILE}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc)) throw new UsageError(`${MANIFEST_FILE}: expected a mapping of function fields`);
  const unknown = Object.keys(doc).filter((k) => !KNOWN.has(k));
  if (unknown.length) {
    throw new UsageError(
      `${MANIFEST_FILE}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
    );
  }
  if (typeof doc.functionName !== 'string' || doc.functionName === '') {
    throw new UsageError(`${MANIFEST_FILE}: functionName is required`);
  }
  if (typeof doc.runtime !== 'string')
    throw new UsageError(`${MANIFEST_FILE}: runtime is required (e.g. nodejs20)`);
  if (doc.code !== undefined && typeof doc.code !== 'string') {
    throw new UsageError(`${MANIFEST_FILE}: code is a directory path`);
  }
  const ignored: string[] = [];
  const asyncInvokeConfig = asyncConfigOf(doc.asyncInvokeConfig, MANIFEST_FILE, ignored);
  return {
    functionName: doc.functionName,
    codeDir: resolve(dir, (doc.code as string | undefined) ?? '.'),
    config: pick(doc, FUNCTION_FIELDS),
    ...(asyncInvokeConfig ? { asyncInvokeConfig } : {}),
    ignored,
  };
}

import type { MessageContract } from '@asyncfn/contracts';
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/*
 * Messages by contract: JSON on the wire, checked against the contract's schema on the way in.
 * Each schema is compiled once per process into a JavaScript function (TypeBox's compiler), so a
 * message costs a JSON.parse and one generated check, never a walk of the schema. Publishing is
 * checked by the compiler only (the value's static type is the contract's), not at run time.
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

interface CompiledContract {
  check(value: unknown): string | undefined;
}

const compiled = new WeakMap<MessageContract<unknown>, CompiledContract>();
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The first error of a value that failed, as `<path> <message>` (the failure path only). */
function firstError(validator: Validator, value: unknown): string {
  const error = validator.Errors(value)[0];
  if (!error) return 'does not match its schema';
  return `${error.instancePath || '/'} ${error.message}`;
}

function compileContract(contract: MessageContract<unknown>): CompiledContract {
  const { version, variants } = contract;
  const whole = Compile(contract.schema);
  const byVariant = new Map<unknown, Validator>(
    Object.entries(variants?.schemas ?? {}).map(([key, schema]: [string, TSchema]) => [key, Compile(schema)]),
  );
  return {
    check(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
      const v = (value as { v?: unknown }).v;
      if (version !== undefined && v !== version) {
        return `version ${JSON.stringify(v)}, this service reads version ${version}`;
      }
      let validator = whole;
      if (variants) {
        const key = (value as Record<string, unknown>)[variants.field];
        const own = byVariant.get(key);
        if (!own) return `unknown ${variants.field} ${JSON.stringify(key)}`;
        validator = own;
      }
      return validator.Check(value) ? undefined : firstError(validator, value);
    },
  };
}

/** The compiled form of a contract, made on first use (consumers compile theirs when they start). */
export function compiledContract(contract: MessageContract<unknown>): CompiledContract {
  let found = compiled.get(contract);
  if (!found) compiled.set(contract, (found = compileContract(contract)));
  return found;
}

/** A message's body as the contract's type, or why it is not one (unreadable JSON, wrong shape). */
export function decodeMessage<T>(contract: MessageContract<T>, data: Uint8Array | string): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : decoder.decode(data));
  } catch {
    return { ok: false, reason: `${contract.name}: not valid JSON` };
  }
  const problem = compiledContract(contract as MessageContract<unknown>).check(value);
  return problem === undefined
    ? { ok: true, value: value as T }
    : { ok: false, reason: `${contract.name}: ${problem}` };
}

/** A value's bytes on the wire. */
export function encodeMessage<T>(_contract: MessageContract<T>, value: T): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Thrown where a message cannot be dropped (a reply to a request): names the contract and why. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

/** A reply's body as the contract's type; throws InvalidMessageError when it is not one. */
export function decodeOrThrow<T>(contract: MessageContract<T>, data: Uint8Array | string): T {
  const decoded = decodeMessage(contract, data);
  if (!decoded.ok) throw new InvalidMessageError(decoded.reason);
  return decoded.value;
}

import { SETTINGS, type Env, type Setting, type SettingName, type SettingValue } from './settings.js';

/**
 * One setting's value from the environment: its default when the variable is unset or empty,
 * else the parsed value; a bad value throws an error that names the variable and what it expects.
 */
export function readSetting<N extends SettingName>(name: N, env: Env = process.env): SettingValue<N> {
  const spec = SETTINGS[name] as Setting<SettingValue<N>>;
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return typeof spec.default === 'function'
      ? (spec.default as (env: Env) => SettingValue<N>)(env)
      : spec.default;
  }
  const parsed = spec.kind.schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${name}: expected ${spec.kind.expected}, got '${raw}'`);
  return parsed.data;
}

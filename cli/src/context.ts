import type { Command } from 'commander';
import { createClient, type ApiClient } from './client.js';
import { resolveProfile } from './profile.js';

/** The global options every command sees. */
export interface GlobalOptions {
  profile?: string;
  endpoint?: string;
  json?: boolean;
}

export interface Context {
  api: ApiClient;
  json: boolean;
  /** stdout is a terminal: spinners, progress bars and prompts make sense. */
  interactive: boolean;
}

/** The API client and output mode of a command, from the global options. */
export function contextOf(command: Command): Context {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const profile = resolveProfile({
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
  });
  return {
    api: createClient(profile),
    json: opts.json === true,
    // A terminal without a size (some CI ptys) would make spinners redraw endlessly.
    interactive: process.stderr.isTTY === true && (process.stderr.columns ?? 0) > 0,
  };
}

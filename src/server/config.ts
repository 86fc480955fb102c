import { resolve } from 'node:path';

import { ConfigError } from '../errors.js';

import type { SessionCookieOptions } from '../http/session-cookie.js';

/** Everything `latchkey serve` can be told. Flags win over environment variables. */
export interface ServerConfig {
  /** TCP port. Flag `--port`, env `LATCHKEY_PORT`. Default: 3000. 0 picks a free port. */
  port: number;
  /**
   * Address to listen on. Flag `--host`, env `LATCHKEY_HOST`. Default: `127.0.0.1`, so that a
   * development server is not reachable from the network unless asked.
   */
  host: string;
  /**
   * Folder holding the SQLite database (`latchkey.db`), created if missing. Flag `--data-dir`,
   * env `LATCHKEY_DATA_DIR`. Default: `./data`, resolved against the working directory.
   */
  dataDir: string;
  /** Session cookie name and SameSite. Flags `--cookie-name`, `--same-site`; env as below. */
  cookie: Required<Pick<SessionCookieOptions, 'name' | 'sameSite'>>;
  /** Whether `POST /auth/register` is open. Flag `--no-registration`, env `LATCHKEY_REGISTRATION=off`. */
  registration: boolean;
}

/** The raw inputs: parsed command-line flags and the process environment. */
export interface ConfigSources {
  flags: Readonly<Record<string, string | boolean | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolves and checks the server's configuration once, at start-up. A bad value throws
 * {@link ConfigError} naming the flag or variable, the rule and the fix.
 */
export function resolveServerConfig({ flags, env }: ConfigSources): ServerConfig {
  const pick = (flag: string, variable: string): { value: string; from: string } | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, from: `--${flag}` };
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: variable };
    return undefined;
  };

  const port = pick('port', 'LATCHKEY_PORT');
  const host = pick('host', 'LATCHKEY_HOST');
  const dataDir = pick('data-dir', 'LATCHKEY_DATA_DIR');
  const cookieName = pick('cookie-name', 'LATCHKEY_COOKIE_NAME');
  const sameSite = pick('same-site', 'LATCHKEY_COOKIE_SAMESITE');
  const registration = env.LATCHKEY_REGISTRATION;

  return {
    port: port === undefined ? 3000 : parsePort(port.value, port.from),
    host: host?.value ?? '127.0.0.1',
    dataDir: resolve(dataDir?.value ?? 'data'),
    cookie: {
      name: cookieName?.value ?? '__Host-auth_token',
      sameSite: sameSite === undefined ? 'Lax' : parseSameSite(sameSite.value, sameSite.from),
    },
    registration: flags.registration !== false && !isOff(registration),
  };
}

function parsePort(value: string, from: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new ConfigError(from, `"${value}" is not a port; give a whole number from 0 to 65535`);
  }
  return port;
}

function parseSameSite(value: string, from: string): 'Strict' | 'Lax' | 'None' {
  const normalized = value.toLowerCase();
  if (normalized === 'strict') return 'Strict';
  if (normalized === 'lax') return 'Lax';
  if (normalized === 'none') return 'None';
  throw new ConfigError(from, `"${value}" is not a SameSite value; use Strict, Lax or None`);
}

function isOff(value: string | undefined): boolean {
  return value !== undefined && ['0', 'false', 'off', 'no'].includes(value.toLowerCase());
}

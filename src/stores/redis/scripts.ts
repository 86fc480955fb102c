import { CREATE_USER, DELETE_IF_EQUAL, DELETE_THROTTLE, DELETE_USER } from './lua-accounts.js';
import { INCREMENT_THROTTLE, REPLACE_IF_EQUAL, SWEEP_THROTTLES } from './lua-accounts.js';
import { HOLDS_EMAIL, MARK_EMAIL, SETTLE_EMAIL, UPDATE_USER } from './lua-accounts.js';
import { BIND_SESSION, CREATE_SESSION, DELETE_USER_SESSIONS } from './lua-sessions.js';
import { INDEX_ADD, LIST_SESSIONS } from './lua-sessions.js';
import { REPLACE_SESSION, SWEEP_SESSION, TAKE_SESSION, TOUCH_SESSION } from './lua-sessions.js';

import type { Cluster, Redis } from 'ioredis';

/** A client the Redis stores accept: one connection (`Redis`) or a Redis Cluster client. */
export type RedisClient = Redis | Cluster;

/** Runs one script with its keys (all in one hash slot) and arguments; resolves its reply. */
export type Script = (
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

const SOURCES = {
  createSession: [CREATE_SESSION, 2],
  replaceSession: [REPLACE_SESSION, 3],
  takeSession: [TAKE_SESSION, 2],
  touchSession: [TOUCH_SESSION, 1],
  bindSession: [BIND_SESSION, 1],
  listSessions: [LIST_SESSIONS, 1],
  deleteUserSessions: [DELETE_USER_SESSIONS, 1],
  sweepSession: [SWEEP_SESSION, 2],
  indexAdd: [INDEX_ADD, 1],
  createUser: [CREATE_USER, 1],
  updateUser: [UPDATE_USER, 1],
  markEmail: [MARK_EMAIL, 1],
  holdsEmail: [HOLDS_EMAIL, 1],
  settleEmail: [SETTLE_EMAIL, 1],
  deleteUser: [DELETE_USER, 1],
  deleteIfEqual: [DELETE_IF_EQUAL, 1],
  replaceIfEqual: [REPLACE_IF_EQUAL, 1],
  incrementThrottle: [INCREMENT_THROTTLE, 2],
  deleteThrottle: [DELETE_THROTTLE, 2],
  sweepThrottles: [SWEEP_THROTTLES, 1],
} as const;

/** Every script the stores run, by name. */
export type RedisScripts = Record<keyof typeof SOURCES, Script>;

const defined = new WeakMap<RedisClient, RedisScripts>();

/**
 * The scripts, defined on `client` once (ioredis `defineCommand`): each call sends EVALSHA and
 * falls back to EVAL when the server does not know the script (after a restart, or on a
 * cluster node that never ran it), so scripts survive a Redis restart without a reconnect.
 */
export function scriptsFor(client: RedisClient): RedisScripts {
  const known = defined.get(client);
  if (known !== undefined) return known;
  const entries = Object.entries(SOURCES).map(([name, [lua, numberOfKeys]]) => {
    const command = `latchkey_${name}`;
    client.defineCommand(command, { lua, numberOfKeys });
    const run = (client as unknown as Record<string, unknown>)[command];
    if (typeof run !== 'function') throw new Error(`latchkey: could not define ${command}`);
    const script: Script = (keys, args) =>
      (run as (...parts: (string | number)[]) => Promise<unknown>).call(client, ...keys, ...args);
    return [name, script] as const;
  });
  const scripts = Object.fromEntries(entries) as RedisScripts;
  defined.set(client, scripts);
  return scripts;
}

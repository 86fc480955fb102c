import { asArray, asString, integer, millis } from './codec.js';
import { parseSessionPointer } from './keys.js';

import type { RedisKeys } from './keys.js';
import type { RedisClient, RedisScripts } from './scripts.js';

/** What the sweep needs of a `RedisSessionStore`. */
export interface SweepContext {
  client: RedisClient;
  keys: RedisKeys;
  scripts: RedisScripts;
}

/**
 * Entries examined per call beyond `limit`: sessions renewed since they were indexed are
 * re-scored, not deleted, and each costs a look. This bounds the work of one call when many
 * sessions were renewed.
 */
const EXTRA_EXAMINED = 1000;

/**
 * The bounded sweep behind `RedisSessionStore.deleteExpiredSessions`. Redis deletes dead
 * sessions by itself (every session key has a TTL), so this exists to honour the contract with
 * the caller's clock, and to clear what a dropped session leaves behind.
 *
 * `P:session-expiry` scores each session by its earliest expiry when it was stored; touching a
 * session does not rewrite that score, so it is a lower bound. Each candidate at or before
 * `now` is checked in its own slot by one script, and is then either deleted (with its
 * lookups), found already dropped by Redis (its leftovers removed; counted, since the sweep
 * removes what remained of an expired session), or found renewed (re-scored, not counted).
 *
 * Returns how many sessions were removed: `limit` when at least that many had expired, fewer
 * when no more remain or after examining `limit` + 1000 entries. Two servers sweeping at once
 * may both count a session that Redis had already dropped.
 */
export async function sweepSessions(
  context: SweepContext,
  now: Date,
  limit: number,
): Promise<number> {
  const { client, keys } = context;
  let swept = 0;
  let examined = 0;
  const budget = limit + EXTRA_EXAMINED;
  while (swept < limit && examined < budget) {
    const count = Math.min(limit - swept, budget - examined);
    const members = await client.zrangebyscore(
      keys.sessionExpiry(),
      '-inf',
      millis(now),
      'LIMIT',
      0,
      count,
    );
    if (members.length === 0) break;
    examined += members.length;
    const outcomes = await Promise.all(members.map((member) => sweepOne(context, member, now)));
    swept += outcomes.filter(Boolean).length;
  }
  return swept;
}

/** Sweeps the session `member` names; true when it was removed, false when it was renewed. */
async function sweepOne(context: SweepContext, member: string, now: Date): Promise<boolean> {
  const { client, keys, scripts } = context;
  let userId: string;
  let id: string;
  try {
    [userId, id] = parseSessionPointer(member);
  } catch {
    // Not written by this store: drop it, rather than fail every sweep after this one.
    await client.zrem(keys.sessionExpiry(), member);
    return false;
  }
  const reply = asArray(
    await scripts.sweepSession(
      [keys.session(userId, id), keys.userSessions(userId)],
      [id, millis(now)],
    ),
  );
  const [outcome, detail] = reply;
  if (outcome === 'alive') {
    // Renewed since it was indexed: move its entry to its present expiry (XX: only if it is
    // still listed, so that a concurrent delete is not undone).
    await client.zadd(keys.sessionExpiry(), 'XX', integer(detail), member);
    return false;
  }
  await Promise.all([
    outcome === 'deleted' ? client.del(keys.token(asString(detail))) : 0,
    client.del(keys.sessionOwner(id)),
    client.zrem(keys.sessionExpiry(), member),
  ]);
  return true;
}

// Lua sources of the session scripts. Each touches only keys of one user's hash tag (see
// keys.ts); keys a script builds itself (from a prefix in ARGV) carry that same tag, which
// Redis Cluster allows. A script that refuses its input checks everything before its first
// write: Redis does not roll back a script's earlier writes when it fails part-way.
//
// Times arrive as decimal strings of milliseconds and are written back as the same strings:
// compared with tonumber, never turned back into text, which could switch to exponent form.

/**
 * Sets `key`'s expiry to `at` unless it already expires later. PEXPIREAT ... GT alone would
 * never set one on a key that has none (GT treats "no TTL" as infinite).
 */
const EXTEND = `
local function extend(key, at)
  if redis.call('PTTL', key) == -1 then
    redis.call('PEXPIREAT', key, at)
  else
    redis.call('PEXPIREAT', key, at, 'GT')
  end
end
`;

/**
 * Writes a session hash and its index entry from ARGV[a] .. ARGV[a + 9]: the binding (ARGV[a +
 * 9]) goes in field 'b' unless it is '' (unbound).
 */
const WRITE_SESSION = `${EXTEND}
local function writeSession(record, index, a)
  local ie, ae = ARGV[a + 5], ARGV[a + 6]
  redis.call('HSET', record, 'id', ARGV[a], 'th', ARGV[a + 1], 'u', ARGV[a + 2],
    'c', ARGV[a + 3], 'ls', ARGV[a + 4], 'ie', ie, 'ae', ae)
  if ARGV[a + 8] == '1' then redis.call('HSET', record, 'ua', ARGV[a + 7]) end
  if ARGV[a + 9] ~= '' then redis.call('HSET', record, 'b', ARGV[a + 9]) end
  if tonumber(ie) < tonumber(ae) then
    redis.call('PEXPIREAT', record, ie)
  else
    redis.call('PEXPIREAT', record, ae)
  end
  redis.call('ZADD', index, ARGV[a + 3], ARGV[a])
  extend(index, ae)
end
`;

/** KEYS: record, user index. ARGV: the ten session fields. Returns 1. */
export const CREATE_SESSION = `${WRITE_SESSION}
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('ERR latchkey: a session with this id exists')
end
writeSession(KEYS[1], KEYS[2], 1)
return 1
`;

/**
 * KEYS: old record, user index, new record. ARGV: old id, then the new session's ten fields.
 * Deletes the old session and writes the new one, both or neither. When the new session comes
 * unbound (ARGV[11] is ''), it gets the old one's binding, if any: a bind that landed after the
 * caller read the old record is not lost. Returns the old token hash, or '' (and writes
 * nothing) when the old session is gone: of two concurrent rotations, the second finds it gone.
 */
export const REPLACE_SESSION = `${WRITE_SESSION}
local old = redis.call('HMGET', KEYS[1], 'th', 'b')
local th, b = old[1], old[2]
if not th then return '' end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return redis.error_reply('ERR latchkey: a session with this id exists')
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
writeSession(KEYS[3], KEYS[2], 2)
if ARGV[11] == '' and b then redis.call('HSET', KEYS[3], 'b', b) end
return th
`;

/**
 * KEYS: record, user index. ARGV: id. Deletes it; returns {token hash, binding}, the binding ''
 * when the session has none, or {'', ''} when the session is gone.
 */
export const TAKE_SESSION = `
local r = redis.call('HMGET', KEYS[1], 'th', 'b')
redis.call('ZREM', KEYS[2], ARGV[1])
if not r[1] then return {'', ''} end
redis.call('DEL', KEYS[1])
return {r[1], r[2] or ''}
`;

/**
 * KEYS: record. ARGV: last seen, idle expiry. Moves both only when the new idle expiry is
 * later, and the key's TTL with them (never past the absolute expiry). Returns {expiresAt,
 * tokenHash} when it moved them, so that the caller can move the lookups' TTL too; else {}.
 */
export const TOUCH_SESSION = `
local current = redis.call('HMGET', KEYS[1], 'ie', 'ae', 'th')
if not current[1] or tonumber(current[1]) >= tonumber(ARGV[2]) then return {} end
redis.call('HSET', KEYS[1], 'ls', ARGV[1], 'ie', ARGV[2])
local expires = current[2]
if tonumber(ARGV[2]) < tonumber(current[2]) then expires = ARGV[2] end
redis.call('PEXPIREAT', KEYS[1], expires)
return {expires, current[3]}
`;

/**
 * KEYS: record. ARGV: binding (stored JSON). Sets field 'b' only when the session exists and has
 * none; returns 1 when it did, else 0. HSET keeps the key's TTL.
 */
export const BIND_SESSION = `
if not redis.call('HGET', KEYS[1], 'th') then return 0 end
if redis.call('HEXISTS', KEYS[1], 'b') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'b', ARGV[1])
return 1
`;

/** The hash fields of a session, in the order the scripts and the codec use. */
export const SESSION_FIELDS = ['id', 'th', 'u', 'c', 'ls', 'ie', 'ae', 'ua', 'b'] as const;

/**
 * KEYS: user index. ARGV: session key prefix. Every live session of the user as an array of
 * SESSION_FIELDS values, newest first (ties: id descending); drops ids whose session is gone.
 */
export const LIST_SESSIONS = `
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local out = {}
for i = 1, #ids do
  local r = redis.call('HMGET', ARGV[1] .. ids[i], 'id', 'th', 'u', 'c', 'ls', 'ie', 'ae', 'ua',
    'b')
  if r[1] then out[#out + 1] = r else redis.call('ZREM', KEYS[1], ids[i]) end
end
return out
`;

/**
 * KEYS: user index. ARGV: session key prefix, chunk size. Deletes up to a chunk of the user's
 * sessions, oldest first. Returns {examined, id1, th1, id2, th2, ...} for the sessions that
 * still existed; the caller repeats while `examined` equals the chunk size.
 */
export const DELETE_USER_SESSIONS = `
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {#ids}
for i = 1, #ids do
  local key = ARGV[1] .. ids[i]
  local th = redis.call('HGET', key, 'th')
  if th then
    redis.call('DEL', key)
    out[#out + 1] = ids[i]
    out[#out + 1] = th
  end
  redis.call('ZREM', KEYS[1], ids[i])
end
return out
`;

/**
 * KEYS: record, user index. ARGV: id, now. Deletes the session if its earlier expiry is at or
 * before now. Returns {'deleted', tokenHash}, {'gone'} when Redis had already dropped it, or
 * {'alive', expiresAt} when a touch moved it past now.
 */
export const SWEEP_SESSION = `
local r = redis.call('HMGET', KEYS[1], 'ie', 'ae', 'th')
if not r[1] then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {'gone'}
end
local expires = r[1]
if tonumber(r[2]) < tonumber(r[1]) then expires = r[2] end
if tonumber(expires) > tonumber(ARGV[2]) then return {'alive', expires} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return {'deleted', r[3]}
`;

/** KEYS: a sorted set. ARGV: score, member, expiry. Adds the member and extends the TTL. */
export const INDEX_ADD = `${EXTEND}
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
extend(KEYS[1], ARGV[3])
return 1
`;

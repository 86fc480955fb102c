// Lua sources of the user and throttle scripts; see lua-sessions.ts for the conventions.

/** KEYS: user hash. ARGV: id, email, password hash, created, disabled, has-disabled flag. */
export const CREATE_USER = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('ERR latchkey: a user with this id exists')
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'email', ARGV[2], 'ph', ARGV[3], 'c', ARGV[4])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'd', ARGV[5]) end
return 1
`;

/**
 * KEYS: user hash. ARGV: field, value, 'set' or 'clear', and optionally the field's expected
 * value. Changes an existing user only, so that a write for a missing user never creates a
 * partial one, and only while the field holds the expected value when one is given. Returns 1,
 * or 0 when there is none or the field has moved on.
 */
export const UPDATE_USER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[4] and redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[4] then return 0 end
if ARGV[3] == 'set' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
`;

/**
 * KEYS: user hash. ARGV: new email, and the email and password hash the change depends on ('' for
 * none). Marks an existing user as moving to the email (`pe`, and `pt`, the time by this Redis's
 * clock), so that a claim finding its lookup held by this user knows it is not left over
 * (HOLDS_EMAIL). Returns 1, or 0 when there is no such user or it is not as expected.
 */
export const MARK_EMAIL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] ~= '' then
  local user = redis.call('HMGET', KEYS[1], 'email', 'ph')
  if user[1] ~= ARGV[2] or user[2] ~= ARGV[3] then return 0 end
end
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'pe', ARGV[1], 'pt', now[1] * 1000 + math.floor(now[2] / 1000))
return 1
`;

/**
 * KEYS: user hash. ARGV: email, how long a mark holds (ms). Returns 1 when the user has the email
 * or is moving to it (a MARK_EMAIL younger than that, by the same Redis's clock), else 0.
 */
export const HOLDS_EMAIL = `
local user = redis.call('HMGET', KEYS[1], 'email', 'pe', 'pt')
if user[1] == ARGV[1] then return 1 end
local since = tonumber(user[3])
if user[2] ~= ARGV[1] or not since then return 0 end
local now = redis.call('TIME')
if now[1] * 1000 + math.floor(now[2] / 1000) - since < tonumber(ARGV[2]) then return 1 end
return 0
`;

/**
 * KEYS: user hash. ARGV: new email, 'move' or 'drop', and the email and password hash the move
 * depends on ('' for none). Ends a change marked by MARK_EMAIL: gives the user the email
 * ('move': only while the mark still names it, so that another change of the same user since has
 * not taken its place, and while the user's email and hash are the ones given) or not, and
 * clears the mark if it still names this email. Returns 1 when moved (or dropped), 0 when there
 * is no such user or something has moved on.
 */
export const SETTLE_EMAIL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local user = redis.call('HMGET', KEYS[1], 'pe', 'email', 'ph')
local marked = user[1] == ARGV[1]
if marked then redis.call('HDEL', KEYS[1], 'pe', 'pt') end
if ARGV[2] ~= 'move' then return 1 end
if not marked then return 0 end
if ARGV[3] ~= '' and (user[2] ~= ARGV[3] or user[3] ~= ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'email', ARGV[1])
return 1
`;

/**
 * KEYS: user hash. ARGV: the expected password hash, or nothing. Deletes it (only while its
 * password hash is the expected one, when given); returns its email, or '' when there was no
 * such user or the hash had moved on.
 */
export const DELETE_USER = `
local user = redis.call('HMGET', KEYS[1], 'email', 'ph')
if not user[1] then return '' end
if ARGV[1] and user[2] ~= ARGV[1] then return '' end
redis.call('DEL', KEYS[1])
return user[1]
`;

/** KEYS: a string. ARGV: expected value. Deletes it only if it holds that value. Returns 1/0. */
export const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** KEYS: a string. ARGV: expected, new. Replaces the value only if it is the expected one. */
export const REPLACE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/**
 * KEYS: counter hash, counter index. ARGV: key, now, expires at. Adds one failure (restarting
 * at one when the counter expired at or before now), moves both times, sets the TTL and the
 * index score to the expiry. Returns the failure count.
 */
export const INCREMENT_THROTTLE = `
local current = redis.call('HMGET', KEYS[1], 'f', 'e')
local failures = 1
if current[1] and tonumber(current[2]) > tonumber(ARGV[2]) then
  failures = tonumber(current[1]) + 1
end
redis.call('HSET', KEYS[1], 'f', failures, 'l', ARGV[2], 'e', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[2]) == -1 then
  redis.call('PEXPIREAT', KEYS[2], ARGV[3])
else
  redis.call('PEXPIREAT', KEYS[2], ARGV[3], 'GT')
end
return failures
`;

/** KEYS: counter hash, counter index. ARGV: key. Forgets the counter. */
export const DELETE_THROTTLE = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * KEYS: counter index. ARGV: counter key prefix, now, limit. Deletes up to `limit` counters
 * expired at or before now, earliest first (those Redis already dropped included: only their
 * index entry was left). Returns how many.
 */
export const SWEEP_THROTTLES = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for i = 1, #keys do
  redis.call('DEL', ARGV[1] .. keys[i])
  redis.call('ZREM', KEYS[1], keys[i])
end
return #keys
`;

// The atomic publish as one Lua script: fence check, epoch, seq, history append and live PUBLISH in a single
// round trip (DESIGN.md §3). Kept apart from redis-bus.ts so the script text is reviewable on its own.
import { createHash } from 'node:crypto';

/** First word of the error reply for a stale fencing token; Redis error replies start with a code word. */
export const FENCED_REPLY_CODE = 'CFFENCED';

/**
 * KEYS: 1 seq, 2 epoch, 3 history stream, 4 lease, 5 checkpoint.   ARGV: 1 pub/sub channel, 2 envelope tail,
 * 3 MAXLEN, 4 fencing token ('' = unfenced), 5 checkpoint ('' = leave it).   Returns {epoch, seq}.
 *
 * Redis does not roll a script back when a command fails midway, so every write that can fail (XADD) comes
 * before the seq is stored: a failed publish never leaves a seq without its history entry.
 * MAXLEN is exact rather than `~`: trimming one entry per XADD is cheap, and it keeps `covered` exact (with `~`
 * a stream holds up to a whole extra node of entries, so small bounds would never trim).
 */
export const PUBLISH_SCRIPT = `
if ARGV[4] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[4] then
  return redis.error_reply('${FENCED_REPLY_CODE} stale fencing token')
end
local seq = redis.call('GET', KEYS[1])
local epoch = redis.call('GET', KEYS[2])
if not seq or not epoch then
  -- the sequence restarts (first publish, or Redis lost its data): new epoch, and history of the old one goes
  local t = redis.call('TIME')
  epoch = t[1] .. string.format('%06d', tonumber(t[2]))
  seq = 0
  redis.call('SET', KEYS[2], epoch)
  redis.call('DEL', KEYS[3])
end
seq = tonumber(seq) + 1
local sq = string.format('%d', seq)
local wire = '{"v":1,"ep":"' .. epoch .. '","sq":' .. sq .. ',' .. ARGV[2]
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[3], sq .. '-0', 'm', wire)
redis.call('SET', KEYS[1], sq)
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[5], ARGV[5])
end
redis.call('PUBLISH', ARGV[1], wire)
return {epoch, seq}
`;

export const PUBLISH_SCRIPT_SHA1 = createHash('sha1').update(PUBLISH_SCRIPT).digest('hex');

/**
 * Leader lease. KEYS: 1 lease, 2 token counter. ARGV: 1 owner, 2 ttl ms. The token is `<counter>:<owner>`: the
 * counter only grows, so a later leader's token is always distinguishable from an earlier one's.
 */
export const ACQUIRE_LEASE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
`;

/** KEYS: 1 lease. ARGV: 1 token, 2 ttl ms. 1 when extended, 0 when the lease is gone or someone else's. */
export const RENEW_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: 1 lease. ARGV: 1 token. */
export const RELEASE_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

// The atomic publish as one Lua script: fence check, epoch, seq, history append, checkpoint and live SPUBLISH in a
// single round trip on the channel's own shard. Kept apart from redis-bus.ts so the script text is
// reviewable on its own.
import { createHash } from 'node:crypto';

/** First word of the error reply for a stale fencing token; Redis error replies start with a code word. */
export const FENCED_REPLY_CODE = 'CFFENCED';
/** The channel's shard has no copy of the fence (it expired, or a failover lost it): re-stamp it from the lease. */
export const NO_FENCE_REPLY_CODE = 'CFNOFENCE';

/**
 * A batch of publishes on one channel (the bus coalesces the publishes of one event-loop turn per channel; one is a
 * batch of one). Every key carries the channel's hash tag, so the script runs on one Cluster slot.
 * KEYS: 1 fence, 2 checkpoint, 3 seq, 4 epoch, 5 history.
 * ARGV: 1 fencing token ('' = unfenced), 2 MAXLEN, 3 sharded pub/sub channel, 4 floor epoch, 5 floor seq ('' and 0
 * = none), then 2 per message, in publish order: envelope tail, checkpoint ('' = leave it).
 * Returns {epoch, seq1, epoch, seq2, …}.
 *
 * The floor is the latest position this publisher knows: the highest seq it saw confirmed in the floor epoch, plus
 * the messages it sent whose outcome it never learnt, or what it read as a standby or kept on disk. A stored seq
 * below it in the same epoch, or an older epoch, means this shard lost writes that readers may already hold (a
 * failover to a replica that lagged, a restore from a snapshot): the epoch restarts, so those (epoch, seq)
 * positions are never reused for other messages and readers resync instead of silently skipping.
 *
 * The fence is checked once: nothing in one script call can interleave with a lease change on this shard.
 * Redis does not roll a script back when a command fails midway, so every write that can fail (XADD) comes
 * before its seq is stored: a failed publish never leaves a seq without its history entry.
 * MAXLEN is exact rather than `~`: trimming one entry per XADD is cheap, and it keeps `covered` exact (with `~`
 * a stream holds up to a whole extra node of entries, so small bounds would never trim).
 */
export const PUBLISH_SCRIPT = `
if ARGV[1] ~= '' then
  local fence = redis.call('GET', KEYS[1])
  if not fence then return redis.error_reply('${NO_FENCE_REPLY_CODE} no fencing token on this shard') end
  if fence ~= ARGV[1] then return redis.error_reply('${FENCED_REPLY_CODE} stale fencing token') end
end
local seq = redis.call('GET', KEYS[3])
local epoch = redis.call('GET', KEYS[4])
local floorEpoch = tonumber(ARGV[4])
if seq and epoch and ARGV[4] ~= '' then
  local e = tonumber(epoch)
  if epoch == ARGV[4] then
    if tonumber(seq) < tonumber(ARGV[5]) then seq = nil end
  elseif e and floorEpoch and e < floorEpoch then
    seq = nil -- an epoch older than one already seen: Redis came back from older data
  end
end
if not seq or not epoch then
  -- the sequence restarts (first publish, Redis lost its data or came back older): new epoch, old history goes;
  -- never older than an epoch already seen, whatever this server's clock says
  local t = redis.call('TIME')
  local e = tonumber(t[1]) * 1000000 + tonumber(t[2])
  if floorEpoch and e <= floorEpoch then e = floorEpoch + 1 end
  epoch = string.format('%d', e)
  seq = 0
  redis.call('SET', KEYS[4], epoch)
  redis.call('DEL', KEYS[5])
end
seq = tonumber(seq)
local out = {}
for i = 6, #ARGV, 2 do
  seq = seq + 1
  local sq = string.format('%d', seq)
  local wire = '{"v":1,"ep":"' .. epoch .. '","sq":' .. sq .. ',' .. ARGV[i]
  redis.call('XADD', KEYS[5], 'MAXLEN', ARGV[2], sq .. '-0', 'm', wire)
  redis.call('SET', KEYS[3], sq)
  if ARGV[i + 1] ~= '' then
    local t = redis.call('TIME')
    redis.call('HSET', KEYS[2], 't', t[1] .. string.format('%06d', tonumber(t[2])), 'v', ARGV[i + 1])
  end
  redis.call('SPUBLISH', ARGV[3], wire)
  out[#out + 1] = epoch
  out[#out + 1] = seq
end
return out
`;

export const PUBLISH_SCRIPT_SHA1 = createHash('sha1').update(PUBLISH_SCRIPT).digest('hex');

/**
 * Leader lease. KEYS: 1 lease, 2 token counter. ARGV: 1 owner, 2 ttl ms, 3 largest counter seen in any fence. The
 * token is `<counter>:<owner>`: the counter only grows, so a later leader's token is always distinguishable from an
 * earlier one's — even when a failover lost the counter, because it restarts above every fence's token.
 */
export const ACQUIRE_LEASE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local n = redis.call('INCR', KEYS[2])
if n <= tonumber(ARGV[3]) then
  n = tonumber(ARGV[3]) + 1
  redis.call('SET', KEYS[2], n)
end
local token = n .. ':' .. ARGV[1]
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

/**
 * Copies the leader's token to one channel's fence key. KEYS: 1 fence. ARGV: 1 token, 2 ttl ms. Refuses (0) when
 * the fence holds a newer leader's token (larger counter): a deposed leader can never re-arm itself.
 */
export const STAMP_FENCE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  local have = tonumber(string.match(cur, '^(%d+):'))
  local mine = tonumber(string.match(ARGV[1], '^(%d+):'))
  if have and mine and have > mine then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: 1 fence. ARGV: 1 token. Drops the fence only when it is still this token. */
export const CLEAR_FENCE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * Ends a channel's epoch that a reader proved rewound (it holds another message under one of its positions).
 * KEYS: 1 seq, 2 epoch (one hash tag). ARGV: 1 the rewound epoch. Only that epoch is ended: when the channel has
 * moved on already, nothing happens. The next publish starts a new epoch, as after a Redis that lost its data.
 * Returns 1 when the epoch was ended.
 */
export const END_EPOCH_SCRIPT = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

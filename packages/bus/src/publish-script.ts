// The atomic publish as one Lua script: fence check, epoch, seq, history append and live PUBLISH in a single
// round trip (DESIGN.md §3). Kept apart from redis-bus.ts so the script text is reviewable on its own.
import { createHash } from 'node:crypto';

/** First word of the error reply for a stale fencing token; Redis error replies start with a code word. */
export const FENCED_REPLY_CODE = 'CFFENCED';

/**
 * A batch of publishes in one call (the bus coalesces the publishes of one event-loop turn; one is a batch of one).
 * KEYS: 1 lease, 2 checkpoint, then for each channel c of the batch (0-based): 3+3c seq, 4+3c epoch, 5+3c history.
 * ARGV: 1 fencing token ('' = unfenced), 2 MAXLEN, then 6 per message, in publish order: channel index c, pub/sub
 * channel, envelope tail, checkpoint ('' = leave it), floor epoch and floor seq ('' = none; read on the first
 * message of each channel).   Returns {epoch1, seq1, epoch2, seq2, …}.
 *
 * The fence is checked once: nothing in one script call can interleave with a lease change.
 * Redis does not roll a script back when a command fails midway, so every write that can fail (XADD) comes
 * before its seq is stored: a failed publish never leaves a seq without its history entry.
 * MAXLEN is exact rather than `~`: trimming one entry per XADD is cheap, and it keeps `covered` exact (with `~`
 * a stream holds up to a whole extra node of entries, so small bounds would never trim).
 * The floor is the latest (epoch, seq) the publisher knows was published. Redis showing less (an older epoch, or
 * the same epoch at a smaller seq) came back from older data: the sequence restarts in a new epoch instead of
 * handing out positions a second time. A new epoch is always newer than the floor's, whatever Redis' clock says.
 */
export const PUBLISH_SCRIPT = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('${FENCED_REPLY_CODE} stale fencing token')
end
local out = {}
local seqs = {}
local epochs = {}
for i = 3, #ARGV, 6 do
  local c = tonumber(ARGV[i])
  local k = 3 + 3 * c
  if not seqs[c] then
    local seq = redis.call('GET', KEYS[k])
    local epoch = redis.call('GET', KEYS[k + 1])
    local floorEpoch = tonumber(ARGV[i + 4])
    local floorSeq = tonumber(ARGV[i + 5]) or 0
    local rewound = false
    if seq and epoch and floorEpoch then
      local e = tonumber(epoch)
      rewound = (e ~= nil and e < floorEpoch) or (e == floorEpoch and tonumber(seq) < floorSeq)
    end
    if not seq or not epoch or rewound then
      -- the sequence restarts (first publish, Redis lost its data or came back older): new epoch, old history goes
      local t = redis.call('TIME')
      local e = tonumber(t[1]) * 1000000 + tonumber(t[2])
      if floorEpoch and e <= floorEpoch then e = floorEpoch + 1 end
      epoch = string.format('%d', e)
      seq = 0
      redis.call('SET', KEYS[k + 1], epoch)
      redis.call('DEL', KEYS[k + 2])
    end
    seqs[c] = tonumber(seq)
    epochs[c] = epoch
  end
  local seq = seqs[c] + 1
  seqs[c] = seq
  local sq = string.format('%d', seq)
  local wire = '{"v":1,"ep":"' .. epochs[c] .. '","sq":' .. sq .. ',' .. ARGV[i + 2]
  redis.call('XADD', KEYS[k + 2], 'MAXLEN', ARGV[2], sq .. '-0', 'm', wire)
  redis.call('SET', KEYS[k], sq)
  if ARGV[i + 3] ~= '' then
    redis.call('SET', KEYS[2], ARGV[i + 3])
  end
  redis.call('PUBLISH', ARGV[i + 1], wire)
  out[#out + 1] = epochs[c]
  out[#out + 1] = seq
end
return out
`;

export const PUBLISH_SCRIPT_SHA1 = createHash('sha1').update(PUBLISH_SCRIPT).digest('hex');

/**
 * Leader lease. KEYS: 1 lease, 2 token counter. ARGV: 1 owner, 2 ttl ms, 3 floor of the counter ('' = none). The
 * token is `<counter>:<owner>`: the counter only grows, so a later leader's token is always distinguishable from an
 * earlier one's. The floor (the caller's clock in ms) keeps it growing when Redis lost the counter with its data.
 */
export const ACQUIRE_LEASE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local n = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[3])
if floor and n < floor then
  n = floor
  redis.call('SET', KEYS[2], string.format('%d', n))
end
local token = string.format('%d', n) .. ':' .. ARGV[1]
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
 * Ends a channel's epoch that a reader proved rewound (it holds another message under one of its positions).
 * KEYS: 1 seq, 2 epoch. ARGV: 1 the rewound epoch. Only that epoch is ended: when the channel has moved on
 * already, nothing happens. The next publish starts a new epoch, as after a Redis that lost its data.
 * Returns 1 when the epoch was ended.
 */
export const END_EPOCH_SCRIPT = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

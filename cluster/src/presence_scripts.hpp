#pragma once
// The presence writes, as Lua run atomically by Redis. Times come from Redis's own clock
// (TIME), so nodes with skewed clocks agree on what has expired. Requires Redis 5 or later
// (scripts replicated by effect, so TIME may precede writes).
//
// Layout (P = the configured prefix):
//   P:presence:expiry        ZSET  "room|node|user" -> expiry, Redis ms
//   P:presence:room:<room>   HASH  "node|user" -> "role|display name"
//   P:presence               channel of changes:
//       E|room|node|user|role|name   entered (or announced again)
//       X|room|node|user             exited
//       T|room|node|user|role|name   timed out: its node stopped refreshing it
// Both keys also carry a PEXPIRE of a few TTLs, so a cluster that is gone leaves nothing.
namespace circles::cluster::detail::scripts {

// KEYS: expiry, room hash. ARGV: entry id, field, value, lifetime ms, keep ms, channel, event.
inline constexpr const char* enter = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
)lua";

// KEYS: expiry, room hash. ARGV: entry id, field, channel, event. Publishes only when the
// entry was still there (a sweep may have taken it, and told everyone already).
inline constexpr const char* exit = R"lua(
local n = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
if n == 1 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return n
)lua";

// KEYS: expiry. ARGV: lifetime ms, keep ms, channel, room key prefix, node, sweep limit, then
// (room, user, value) for each of this node's entries.
// Refreshes this node's entries, writing back any Redis lost (a restart) and announcing those;
// then removes every expired entry of any node and announces it (T): every node hears that
// and tells its own clients if the member is gone from its view. Returns how many it removed.
inline constexpr const char* heartbeat = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lifetime = tonumber(ARGV[1])
local keep, channel, rp, node = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
for i = 7, #ARGV, 3 do
    local room, user, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local field = node .. '|' .. user
    local hkey = rp .. room
    redis.call('HSET', hkey, field, value)
    redis.call('PEXPIRE', hkey, keep)
    if redis.call('ZADD', KEYS[1], now + lifetime, room .. '|' .. field) == 1 then
        redis.call('PUBLISH', channel, 'E|' .. room .. '|' .. field .. '|' .. value)
    end
end
redis.call('PEXPIRE', KEYS[1], keep)
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))
for _, id in ipairs(gone) do
    redis.call('ZREM', KEYS[1], id)
    local room, owner, user = string.match(id, '^([^|]*)|([^|]*)|(.*)$')
    if room then
        local hkey = rp .. room
        local field = owner .. '|' .. user
        local value = redis.call('HGET', hkey, field) or ''
        redis.call('HDEL', hkey, field)
        redis.call('PUBLISH', channel, 'T|' .. id .. '|' .. value)
    end
end
return #gone
)lua";

// KEYS: expiry. ARGV: room key prefix. Every live entry: {id, value, id, value, ...}.
inline constexpr const char* snapshot = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
    local room, owner, user = string.match(id, '^([^|]*)|([^|]*)|(.*)$')
    if room then
        local value = redis.call('HGET', ARGV[1] .. room, owner .. '|' .. user)
        if value then
            table.insert(out, id)
            table.insert(out, value)
        end
    end
end
return out
)lua";

}  // namespace circles::cluster::detail::scripts

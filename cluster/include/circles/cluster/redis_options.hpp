#pragma once
// How a gateway node reaches Redis: the URL, the node's identity in the cluster, and every
// limit of the Redis bus and presence. Checked once at start: a bad value is a typed error
// (`errc`) that names the option, never a half-working node.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace circles::cluster {

enum class errc {
    ok = 0,
    bad_scheme = 1,    // not redis:// (rediss:// and unix:// are not supported)
    missing_host = 2,  // redis:// with nothing after it, or an empty [ ]
    bad_port = 3,      // not a number in 1..65535
    bad_database = 4,  // the path is not /N with N a database number (0..99999)
    bad_url = 5,       // anything else: stray characters, a query, a fragment
    bad_node_id = 6,   // empty, longer than 64, or outside [A-Za-z0-9_.-]
    bad_prefix = 7,    // empty, longer than 64, or outside [A-Za-z0-9_.-]
    bad_ttl = 8,       // presence_ttl below min_presence_ttl
    bad_backoff = 9,   // initial 0, or max below initial
    bad_limit = 10,    // a timeout of 0, or max_pending_publishes of 0
};
const boost::system::error_category& cluster_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), cluster_category()};
}
template <class T>
using result = boost::system::result<T>;

// Where Redis is. Built by parse_redis_url; `password` is never logged (see redacted()).
struct redis_endpoint {
    std::string host;  // a name or an IP literal (IPv6 without brackets)
    std::uint16_t port = 6379;
    int database = 0;
    std::string username;  // Redis 6 ACL user; empty: AUTH with the password alone
    std::string password;  // empty: no AUTH

    // "redis://host:port/db" with any credentials left out, for logs and errors.
    std::string redacted() const;
};

// redis://[[username]:password@]host[:port][/database]
// host is a name, an IPv4 literal or a bracketed IPv6 literal ([::1]). Port defaults to
// 6379, database to 0. Percent-escapes are not decoded: a password holding '@', ':' or '/'
// is refused rather than guessed at.
result<redis_endpoint> parse_redis_url(std::string_view url);

// Reconnection: the wait before attempt n is min(max, initial * 2^n), less a random part of
// up to half of it so that nodes that lost Redis together do not return in step. Attempts
// never stop: a node keeps serving its own members and keeps trying.
struct backoff_limits {
    std::chrono::milliseconds initial{100};
    std::chrono::milliseconds max{5000};
};

inline constexpr std::chrono::milliseconds min_presence_ttl{300};
inline constexpr std::size_t max_name_length = 64;  // node_id and prefix

struct redis_options {
    std::string url = "redis://127.0.0.1:6379/0";
    // This node's name in the cluster: the origin of its events (its own echoes are dropped
    // by it) and the owner of its presence entries. Unique per running node.
    std::string node_id;
    // Every key and channel starts with "<prefix>:", so deployments (or tests) can share
    // one Redis.
    std::string prefix = "circles";
    // A node's presence entries vanish at most this long after the node stops refreshing
    // them; refreshes run every presence_ttl / 3.
    std::chrono::milliseconds presence_ttl{15000};
    backoff_limits backoff;
    // A TCP connect (and AUTH/SELECT) that has not finished in this time is abandoned and
    // retried with backoff.
    std::chrono::milliseconds connect_timeout{2000};
    // A connection whose oldest command has had no reply for this long is dropped and
    // reconnected: Redis is hung or the network path is gone.
    std::chrono::milliseconds command_timeout{5000};
    // PUBLISH commands queued or awaiting their reply; above it a publish goes out locally
    // only (receivers fill the gap from the store).
    std::size_t max_pending_publishes = 10000;
};

// Checks every field and parses the URL. The error names which option is wrong.
result<redis_endpoint> validate(const redis_options& o);

}  // namespace circles::cluster

namespace boost::system {
template <>
struct is_error_code_enum<circles::cluster::errc> : std::true_type {};
}  // namespace boost::system

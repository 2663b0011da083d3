#include "circles/cluster/redis_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace circles::cluster {

namespace {

class cluster_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "circles.cluster"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "ok";
            case errc::bad_scheme:
                return "the Redis URL must start with redis:// (TLS and unix sockets are not "
                       "supported)";
            case errc::missing_host:
                return "the Redis URL names no host";
            case errc::bad_port:
                return "the Redis port must be a number from 1 to 65535";
            case errc::bad_database:
                return "the Redis database must be written /N with N from 0 to 99999";
            case errc::bad_url:
                return "the Redis URL must read redis://[[user]:password@]host[:port][/db] "
                       "(IPv6 in brackets, no query, no percent-escapes)";
            case errc::bad_node_id:
                return "the node id must be 1 to 64 characters of A-Z a-z 0-9 _ . -";
            case errc::bad_prefix:
                return "the Redis key prefix must be 1 to 64 characters of A-Z a-z 0-9 _ . -";
            case errc::bad_ttl:
                return "the presence TTL must be at least 300 ms";
            case errc::bad_backoff:
                return "the reconnect backoff needs initial > 0 and max >= initial";
            case errc::bad_limit:
                return "the Redis timeouts and the publish queue limit must be above 0";
        }
        return "unknown cluster error";
    }
};

constexpr std::string_view scheme = "redis://";
constexpr int max_database = 99999;

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool valid_name(std::string_view s) {
    return !s.empty() && s.size() <= max_name_length &&
           std::all_of(s.begin(), s.end(), is_name_char);
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
}

template <class Int>
bool parse_number(std::string_view s, Int& out) {
    if (s.empty() ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

bool printable_without_space(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
    });
}

}  // namespace

const boost::system::error_category& cluster_category() noexcept {
    static const cluster_category_impl instance;
    return instance;
}

std::string redis_endpoint::redacted() const {
    const bool v6 = host.find(':') != std::string::npos;
    std::string out(scheme);
    if (v6) out.push_back('[');
    out.append(host);
    if (v6) out.push_back(']');
    out.push_back(':');
    out.append(std::to_string(port));
    out.push_back('/');
    out.append(std::to_string(database));
    return out;
}

result<redis_endpoint> parse_redis_url(std::string_view url) {
    if (!starts_with_nocase(url, scheme)) return errc::bad_scheme;
    std::string_view rest = url.substr(scheme.size());
    if (rest.find_first_of("?#%") != std::string_view::npos || !printable_without_space(rest)) {
        return errc::bad_url;
    }

    redis_endpoint ep;
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);

    if (const auto at = authority.find('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        if (authority.find('@') != std::string_view::npos || colon == std::string_view::npos) {
            return errc::bad_url;
        }
        ep.username.assign(userinfo.substr(0, colon));
        ep.password.assign(userinfo.substr(colon + 1));
        if (ep.password.empty()) return errc::bad_url;
    }

    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return errc::bad_url;
        ep.host.assign(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return errc::bad_url;
            port_text = after.substr(1);
            has_port = true;
        }
        if (ep.host.find(':') == std::string::npos && !ep.host.empty()) return errc::bad_url;
    } else {
        const auto colon = authority.find(':');
        if (colon != std::string_view::npos) {
            if (authority.find(':', colon + 1) != std::string_view::npos) return errc::bad_url;
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
        ep.host.assign(authority.substr(0, colon));
        if (ep.host.find_first_of("[]") != std::string::npos) return errc::bad_url;
    }
    if (ep.host.empty()) return errc::missing_host;

    if (has_port) {
        unsigned port = 0;
        if (!parse_number(port_text, port) || port == 0 || port > 65535) return errc::bad_port;
        ep.port = static_cast<std::uint16_t>(port);
    }

    if (path.size() > 1) {
        int db = 0;
        if (!parse_number(path.substr(1), db) || db > max_database) return errc::bad_database;
        ep.database = db;
    }
    return ep;
}

result<redis_endpoint> validate(const redis_options& o) {
    auto ep = parse_redis_url(o.url);
    if (!ep) return ep.error();
    if (!valid_name(o.node_id)) return errc::bad_node_id;
    if (!valid_name(o.prefix)) return errc::bad_prefix;
    if (o.presence_ttl < min_presence_ttl) return errc::bad_ttl;
    if (o.backoff.initial.count() <= 0 || o.backoff.max < o.backoff.initial) {
        return errc::bad_backoff;
    }
    if (o.connect_timeout.count() <= 0 || o.command_timeout.count() <= 0 ||
        o.max_pending_publishes == 0) {
        return errc::bad_limit;
    }
    return ep;
}

}  // namespace circles::cluster

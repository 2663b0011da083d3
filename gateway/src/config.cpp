#include "circles/gateway/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>

#include "circles/gateway/command_line.hpp"

namespace circles::gateway {

void set_listen(config& c, const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) {
        throw std::invalid_argument("listen address must be HOST:PORT, got '" + host_port + "'");
    }
    std::string host = host_port.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string port = host_port.substr(colon + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p < 0 || p > 65535) {
        throw std::invalid_argument("listen port must be 0-65535, got '" + port + "'");
    }
    c.listen_host = host;
    c.listen_port = static_cast<std::uint16_t>(p);
}

namespace {

template <class T>
void read(const toml::table& t, std::string_view key, T& out, const std::string& where) {
    const auto* node = t.get(key);
    if (!node) return;
    if (auto v = node->value<T>()) {
        out = *v;
        return;
    }
    throw std::runtime_error(where + ": '" + std::string(key) + "' has the wrong type");
}

void read_seconds(const toml::table& t, std::string_view key, std::chrono::seconds& out,
                  const std::string& where) {
    std::int64_t v = out.count();
    read(t, key, v, where);
    if (v <= 0) throw std::runtime_error(where + ": '" + std::string(key) + "' must be > 0");
    out = std::chrono::seconds(v);
}

// A key the server does not know is a mistake (a typo, or a key put under the wrong table:
// everything after `[limits]` belongs to it), never something to skip silently.
void refuse_unknown_keys(const toml::table& t, std::initializer_list<std::string_view> known,
                         const std::string& where) {
    for (const auto& [key, node] : t) {
        if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
        const auto line = node.source().begin.line;
        throw std::runtime_error(where + (line ? ":" + std::to_string(line) : std::string()) +
                                 ": unknown key '" + std::string(key.str()) + "'");
    }
}

}  // namespace

config load_config(const std::filesystem::path& file) {
    config c;
    if (!file.empty()) {
        const std::string where = file.string();
        toml::table t;
        try {
            t = toml::parse_file(where);
        } catch (const toml::parse_error& e) {
            const auto& src = e.source();
            throw std::runtime_error(where + ":" + std::to_string(src.begin.line) + ":" +
                                     std::to_string(src.begin.column) + ": " +
                                     std::string(e.description()));
        }
        refuse_unknown_keys(t,
                            {"listen", "data_dir", "web_root", "policy_file", "node_id", "store",
                             "bus", "presence", "presence_ttl_ms", "threads", "secure_cookies",
                             "allowed_origins", "facilitated_sessions", "limits"},
                            where);
        std::string listen;
        read(t, "listen", listen, where);
        if (!listen.empty()) {
            try {
                set_listen(c, listen);
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error(where + ": 'listen': " + e.what());
            }
        }
        std::string data_dir, web_root;
        read(t, "data_dir", data_dir, where);
        read(t, "web_root", web_root, where);
        if (!data_dir.empty()) {
            // A relative data_dir is relative to the config file, not to wherever it runs.
            std::filesystem::path d(data_dir);
            c.data_dir = d.is_absolute() ? d : file.parent_path() / d;
        }
        if (!web_root.empty()) c.web_root = web_root;
        std::string policy_file;
        read(t, "policy_file", policy_file, where);
        if (!policy_file.empty()) {
            std::filesystem::path pf(policy_file);
            c.policy_file = pf.is_absolute() ? pf : file.parent_path() / pf;
        }
        read(t, "node_id", c.node_id, where);
        read(t, "store", c.store, where);
        read(t, "bus", c.bus, where);
        read(t, "presence", c.presence, where);
        std::int64_t ttl_ms = c.presence_ttl.count();
        read(t, "presence_ttl_ms", ttl_ms, where);
        if (ttl_ms < 1000 || ttl_ms > 600000)
            throw std::runtime_error(where + ": 'presence_ttl_ms' must be 1000-600000");
        c.presence_ttl = std::chrono::milliseconds(ttl_ms);
        std::int64_t threads = 0;
        read(t, "threads", threads, where);
        if (threads < 0 || threads > 256) throw std::runtime_error(where + ": 'threads' 0-256");
        c.threads = static_cast<unsigned>(threads);
        read(t, "secure_cookies", c.secure_cookies, where);
        read(t, "facilitated_sessions", c.facilitated_sessions, where);
        if (const auto* node = t.get("allowed_origins")) {
            const auto* origins = node->as_array();
            if (!origins) throw std::runtime_error(where + ": 'allowed_origins' must be a list");
            for (const auto& o : *origins) {
                auto s = o.value<std::string>();
                if (!s) throw std::runtime_error(where + ": allowed_origins holds a non-string");
                c.allowed_origins.push_back(*s);
            }
        }
        if (const auto* node = t.get("limits")) {
            const auto* l = node->as_table();
            if (!l) throw std::runtime_error(where + ": 'limits' must be a table ([limits])");
            const std::string lw = where + " [limits]";
            refuse_unknown_keys(*l,
                                {"max_frame_bytes", "idle_timeout_seconds", "session_ttl_seconds",
                                 "queue_limit_frames", "queue_limit_bytes", "frame_rate_per_second",
                                 "frame_burst", "send_rate_per_second", "send_burst",
                                 "replay_limit_messages"},
                                lw);
            std::int64_t frame = static_cast<std::int64_t>(c.lim.max_frame_bytes);
            read(*l, "max_frame_bytes", frame, lw);
            if (frame < 1024) throw std::runtime_error(lw + ": 'max_frame_bytes' must be >= 1024");
            c.lim.max_frame_bytes = static_cast<std::size_t>(frame);
            read_seconds(*l, "idle_timeout_seconds", c.lim.idle_timeout, lw);
            read_seconds(*l, "session_ttl_seconds", c.lim.session_ttl, lw);
            auto read_size = [&](std::string_view key, std::size_t& out, std::int64_t min) {
                std::int64_t v = static_cast<std::int64_t>(out);
                read(*l, key, v, lw);
                if (v < min) {
                    throw std::runtime_error(lw + ": '" + std::string(key) +
                                             "' must be >= " + std::to_string(min));
                }
                out = static_cast<std::size_t>(v);
            };
            read_size("queue_limit_frames", c.lim.queue_limit_frames, 8);
            read_size("queue_limit_bytes", c.lim.queue_limit_bytes, 64 * 1024);
            read(*l, "frame_rate_per_second", c.lim.frame_rate_per_second, lw);
            read(*l, "frame_burst", c.lim.frame_burst, lw);
            if (c.lim.frame_rate_per_second <= 0 || c.lim.frame_burst < 1) {
                throw std::runtime_error(lw + ": frame rate must be > 0 and burst >= 1");
            }
            read_size("replay_limit_messages", c.lim.replay_limit_messages, 1);
            if (c.lim.replay_limit_messages > 499)
                throw std::runtime_error(lw + ": 'replay_limit_messages' must be 1-499");
            read(*l, "send_rate_per_second", c.lim.send_rate_per_second, lw);
            read(*l, "send_burst", c.lim.send_burst, lw);
            if (c.lim.send_rate_per_second <= 0 || c.lim.send_burst < 1) {
                throw std::runtime_error(lw + ": send rate must be > 0 and burst >= 1");
            }
        }
    }
    apply_environment(c);
    return c;
}

namespace {

bool is_redis_url(std::string_view v) { return v.starts_with("redis://"); }

// Bus and presence are local or Redis, both the same. (open_store checks the store URL.)
void check_scale_out(const config& c) {
    for (const auto& [name, value] :
         {std::pair<const char*, const std::string&>{"bus", c.bus}, {"presence", c.presence}}) {
        if (value != "local" && !is_redis_url(value))
            throw std::runtime_error(std::string("'") + name +
                                     "' must be \"local\" or a redis:// URL");
    }
    if (is_redis_url(c.bus) != is_redis_url(c.presence))
        throw std::runtime_error("'bus' and 'presence' must both be local or both use Redis");
}

}  // namespace

void apply_environment(config& c) {
    auto env = [](const char* name) -> const char* {
        const char* v = std::getenv(name);
        return (v && *v) ? v : nullptr;
    };
    if (auto v = env("CIRCLES_LISTEN")) set_listen(c, v);
    if (auto v = env("CIRCLES_DATA_DIR")) c.data_dir = v;
    if (auto v = env("CIRCLES_WEB_ROOT")) c.web_root = v;
    if (auto v = env("CIRCLES_ALLOWED_ORIGINS")) c.allowed_origins = split_list(v, ',');
    if (auto v = env("CIRCLES_NODE_ID")) c.node_id = v;
    if (auto v = env("CIRCLES_POLICY_FILE")) c.policy_file = v;
    if (auto v = env("CIRCLES_STORE")) c.store = v;
    if (auto v = env("CIRCLES_BUS")) c.bus = v;
    if (auto v = env("CIRCLES_PRESENCE")) c.presence = v;
    if (auto v = env("CIRCLES_FACILITATED_SESSIONS")) {
        const std::string_view s(v);
        if (s == "true" || s == "1") {
            c.facilitated_sessions = true;
        } else if (s == "false" || s == "0") {
            c.facilitated_sessions = false;
        } else {
            throw std::runtime_error(std::string("CIRCLES_FACILITATED_SESSIONS must be true or "
                                                 "false, got '") +
                                     v + "'");
        }
    }
    check_scale_out(c);
    if (auto v = env("CIRCLES_THREADS")) {
        char* end = nullptr;
        const long n = std::strtol(v, &end, 10);
        if (*end != '\0' || n < 0 || n > 256) {
            throw std::runtime_error(std::string("CIRCLES_THREADS must be 0-256, got '") + v + "'");
        }
        c.threads = static_cast<unsigned>(n);
    }
}

void finish_defaults(config& c, const std::filesystem::path& executable) {
    if (c.web_root.empty())
        c.web_root = (executable.parent_path() / ".." / "web").lexically_normal();
    if (c.allowed_origins.empty()) {
        const std::string port = std::to_string(c.listen_port);
        if (c.listen_host == "127.0.0.1" || c.listen_host == "localhost") {
            c.allowed_origins = {"http://127.0.0.1:" + port, "http://localhost:" + port};
        } else if (c.listen_host.find(':') != std::string::npos) {
            c.allowed_origins = {"http://[" + c.listen_host + "]:" + port};  // IPv6
        } else {
            c.allowed_origins = {"http://" + c.listen_host + ":" + port};
        }
    }
}

}  // namespace circles::gateway

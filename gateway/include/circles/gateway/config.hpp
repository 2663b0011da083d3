#pragma once
// Server configuration: a TOML file (`circles serve --config FILE`), then environment
// variables (CIRCLES_*) over it, then defaults. Loading fails with one clear line naming the
// file and the key; a server never starts half-configured.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace circles::gateway {

struct limits {
    std::size_t max_frame_bytes = 64 * 1024;          // larger WebSocket frames close 1009
    std::size_t max_http_body_bytes = 16 * 1024;      // /api request bodies
    std::size_t queue_limit_frames = 1024;            // outbound frames per connection
    std::size_t queue_limit_bytes = 8 * 1024 * 1024;  // outbound bytes per connection
    std::chrono::seconds idle_timeout{60};            // pinged at half, closed at full
    std::chrono::seconds handshake_timeout{30};
    std::chrono::seconds http_timeout{30};
    std::chrono::seconds session_ttl{12 * 3600};  // a login lasts a school day
    double send_rate_per_second = 2.0;            // per user, all connections together
    double send_burst = 8.0;
    double frame_rate_per_second = 30.0;  // per connection, every frame type
    double frame_burst = 60.0;
    std::size_t max_protocol_errors = 20;  // then the connection closes 1008
    double login_rate_per_minute = 10.0;   // per username
    std::chrono::seconds shutdown_grace{5};
    // A client resuming further behind than this many messages gets the newest page instead
    // (recovered=false) and reloads. At most 499: one store page holds the replay.
    std::size_t replay_limit_messages = 499;
    // Escalation paging: how often overdue escalations are looked for (a school's deadline
    // is at least a second, so a page is at most this late), and how long a webhook POST may
    // take from resolving to the answer.
    std::chrono::milliseconds escalation_check_interval{500};
    std::chrono::milliseconds webhook_timeout{5000};
};

struct config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::filesystem::path data_dir = ".data";
    std::filesystem::path web_root;            // empty: <directory of the executable>/../web
    std::vector<std::string> allowed_origins;  // exact matches; empty: http://<listen>
    std::string node_id = "node1";
    unsigned threads = 0;               // 0: one per core
    bool secure_cookies = false;        // set Secure on the session cookie (behind TLS)
    // Rooms are live only while a facilitator has a session open and is present, and students
    // accept the group agreement before posting. false: every room is always live (a
    // deployment without facilitators; the load benchmark).
    bool facilitated_sessions = true;
    std::filesystem::path policy_file;  // the school's moderation policy; empty: built-in
    // Scale-out. store: "" (SQLite in data_dir), "sqlite:FILE" or a PostgreSQL URL
    // ("postgresql://user:pass@host:5432/circles"). bus and presence: "local" (one node) or
    // a Redis URL ("redis://host:6379/0"); several nodes need Redis for both.
    std::string store;
    std::string bus = "local";
    std::string presence = "local";
    std::chrono::milliseconds presence_ttl{15000};  // a dead node leaves presence within this
    limits lim;
};

// Parses "HOST:PORT" (or "[v6]:PORT"); throws std::invalid_argument naming the value.
void set_listen(config& c, const std::string& host_port);

// Reads the file (if non-empty), then the environment. Throws std::runtime_error.
config load_config(const std::filesystem::path& file);

// Applies CIRCLES_LISTEN, CIRCLES_DATA_DIR, CIRCLES_WEB_ROOT, CIRCLES_ALLOWED_ORIGINS
// (comma-separated), CIRCLES_NODE_ID, CIRCLES_THREADS, CIRCLES_POLICY_FILE, CIRCLES_STORE,
// CIRCLES_BUS, CIRCLES_PRESENCE.
void apply_environment(config& c);

// Fills what is left empty: the web root next to the executable, and the allowed origins
// from the listen address (both 127.0.0.1 and localhost for a loopback listener).
void finish_defaults(config& c, const std::filesystem::path& executable);

}  // namespace circles::gateway

#include "circles/bench/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace circles::bench {

const char* const usage_text =
    "usage: circles-bench [options]\n"
    "  --protocol circles|socketio  what the server speaks (default circles)\n"
    "  --url URL               ws://HOST:PORT[/PATH] (default ws://127.0.0.1:8080/ws, or\n"
    "                          ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket)\n"
    "  --tokens FILE           session tokens from `circles admin bench-fixture` (circles)\n"
    "  --origin ORIGIN         Origin header (default http://HOST:PORT of the url)\n"
    "  --connections N         clients to open (default 60)\n"
    "  --room-size S           members per room (default 6; circles takes rooms from FILE)\n"
    "  --rate R                messages per second per member (default 1)\n"
    "  --duration SECONDS      measurement window (default 10)\n"
    "  --warmup SECONDS        traffic before the window, not measured (default 2)\n"
    "  --drain SECONDS         after the window, stop waiting for its last deliveries\n"
    "                          when none has come for this long (default 5)\n"
    "  --drain-max SECONDS     ... or after this long in any case (default 120)\n"
    "  --settle SECONDS        pause before the idle memory sample (default 1)\n"
    "  --setup-timeout SECONDS per connection to connect and join (default 60)\n"
    "  --connect-concurrency N setups in flight (default 200)\n"
    "  --message-bytes N       message text size (default 64)\n"
    "  --threads N             client threads, each with its own io_context (default 1)\n"
    "  --server-pid PID        sample the server's memory (VmRSS) and CPU time\n"
    "  --json                  print one JSON object instead of the table\n"
    "  --no-batch              circles: do not offer the circles.v1.batch subprotocol, so\n"
    "                          every server frame comes as a WebSocket message of its own\n"
    "  --no-progress           no progress line on stderr\n";

namespace {

std::string plain(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

double number(const std::string& name, const std::string& value, double min, double max) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || ptr != value.data() + value.size() || !std::isfinite(v) || v < min ||
        v > max) {
        throw std::invalid_argument(name + " must be a number from " + plain(min) + " to " +
                                    plain(max) + ", got '" + value + "'");
    }
    return v;
}

std::size_t count(const std::string& name, const std::string& value, std::size_t min,
                  std::size_t max) {
    std::size_t v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || ptr != value.data() + value.size() || v < min || v > max) {
        throw std::invalid_argument(name + " must be a whole number from " + std::to_string(min) +
                                    " to " + std::to_string(max) + ", got '" + value + "'");
    }
    return v;
}

}  // namespace

options parse_options(const std::vector<std::string>& args) {
    options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            o.help = true;
            continue;
        }
        if (a == "--json") {
            o.json = true;
            continue;
        }
        if (a == "--no-batch") {
            o.batch = false;
            continue;
        }
        if (a == "--no-progress") {
            o.progress = false;
            continue;
        }
        if (!a.starts_with("--")) throw std::invalid_argument("unexpected argument '" + a + "'");
        if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
        const std::string& v = args[++i];
        if (a == "--protocol") {
            if (v == "circles") {
                o.proto = protocol::circles;
            } else if (v == "socketio") {
                o.proto = protocol::socketio;
            } else {
                throw std::invalid_argument("--protocol must be circles or socketio, got '" + v +
                                            "'");
            }
        } else if (a == "--url") {
            o.url = v;
        } else if (a == "--origin") {
            o.origin = v;
        } else if (a == "--tokens") {
            o.tokens_file = v;
        } else if (a == "--connections") {
            o.connections = count(a, v, 1, 1'000'000);
        } else if (a == "--room-size") {
            o.room_size = count(a, v, 1, 10'000);
        } else if (a == "--rate") {
            o.rate = number(a, v, 0.001, 10'000);
        } else if (a == "--duration") {
            o.duration_s = number(a, v, 0.1, 86'400);
        } else if (a == "--warmup") {
            o.warmup_s = number(a, v, 0, 86'400);
        } else if (a == "--drain") {
            o.drain_s = number(a, v, 0, 3'600);
        } else if (a == "--drain-max") {
            o.drain_max_s = number(a, v, 0, 86'400);
        } else if (a == "--settle") {
            o.settle_s = number(a, v, 0, 3'600);
        } else if (a == "--setup-timeout") {
            o.setup_timeout_s = number(a, v, 0.1, 3'600);
        } else if (a == "--connect-concurrency") {
            o.connect_concurrency = count(a, v, 1, 1'000'000);
        } else if (a == "--message-bytes") {
            o.message_bytes = count(a, v, 8, 16 * 1024);
        } else if (a == "--threads") {
            o.threads = static_cast<unsigned>(count(a, v, 1, 256));
        } else if (a == "--server-pid") {
            o.server_pid = static_cast<int>(count(a, v, 1, 4'194'304));
        } else {
            throw std::invalid_argument("unknown option '" + a + "'");
        }
    }
    if (o.json) o.progress = false;
    if (o.url.empty()) {
        o.url = o.proto == protocol::circles ? "ws://127.0.0.1:8080/ws" : "ws://127.0.0.1:3000";
    }
    if (o.proto == protocol::circles && o.tokens_file.empty() && !o.help) {
        throw std::invalid_argument(
            "--protocol circles needs --tokens FILE (make one with `circles admin "
            "bench-fixture`)");
    }
    return o;
}

ws_url parse_ws_url(std::string_view url, protocol p) {
    constexpr std::string_view scheme = "ws://";
    if (url.starts_with("wss://")) {
        throw std::invalid_argument("wss:// is not supported; benchmark the plain ws:// listener");
    }
    if (!url.starts_with(scheme)) {
        throw std::invalid_argument("the url must start with ws://, got '" + std::string(url) +
                                    "'");
    }
    url.remove_prefix(scheme.size());
    const auto slash = url.find_first_of("/?");
    std::string_view authority = url.substr(0, slash);
    std::string target = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
    if (target.starts_with('?')) target = "/" + target;
    ws_url out;
    if (authority.starts_with('[')) {  // [v6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) throw std::invalid_argument("bad IPv6 host in url");
        out.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (authority.starts_with(':')) out.port = std::string(authority.substr(1));
    } else {
        const auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
    }
    if (out.host.empty()) throw std::invalid_argument("the url has no host");
    if (out.port.empty()) out.port = "80";
    count("the url's port", out.port, 1, 65535);
    if (target.empty() || target == "/") {
        target = p == protocol::circles ? "/ws" : "/socket.io/?EIO=4&transport=websocket";
    }
    out.target = target;
    return out;
}

}  // namespace circles::bench

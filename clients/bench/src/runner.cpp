#include "runner.hpp"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "circles/bench/client_plan.hpp"
#include "circles/bench/message_tag.hpp"
#include "circles/bench/process_stats.hpp"
#include "worker.hpp"

namespace circles::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto tick = 100ms;
constexpr auto close_grace = 3s;

std::int64_t seconds_to_ns(double s) { return static_cast<std::int64_t>(s * 1e9); }

// The one-line progress on stderr: rewritten in place on a terminal, a line a second otherwise.
class progress_line {
  public:
    explicit progress_line(bool enabled) : enabled_(enabled), tty_(::isatty(2) == 1) {}
    ~progress_line() { finish(); }

    void show(const std::string& text) {
        if (!enabled_) return;
        if (tty_) {
            std::fprintf(stderr, "\r%-100s", text.c_str());
        } else {
            std::fprintf(stderr, "%s\n", text.c_str());
        }
        std::fflush(stderr);
        shown_ = true;
    }
    void finish() {
        if (enabled_ && tty_ && shown_) std::fputc('\n', stderr);
        shown_ = false;
    }

  private:
    bool enabled_;
    bool tty_;
    bool shown_ = false;
};

struct totals {
    std::uint64_t setup_done = 0, ready = 0, sent = 0, delivered = 0, errors = 0;
    std::uint64_t window_sent = 0, window_answered = 0, window_expected = 0, window_delivered = 0;
};

totals sum(const std::vector<std::unique_ptr<worker>>& workers) {
    totals t;
    for (const auto& w : workers) {
        auto& p = w->progress();
        t.setup_done += p.setup_done.load(std::memory_order_acquire);
        t.ready += p.ready.load(std::memory_order_relaxed);
        t.sent += p.sent.load(std::memory_order_relaxed);
        t.delivered += p.delivered.load(std::memory_order_relaxed);
        t.errors += p.errors.load(std::memory_order_relaxed);
        t.window_sent += p.window_sent.load(std::memory_order_relaxed);
        t.window_answered += p.window_answered.load(std::memory_order_relaxed);
        t.window_expected += p.window_expected.load(std::memory_order_relaxed);
        t.window_delivered += p.window_delivered.load(std::memory_order_relaxed);
    }
    return t;
}

std::vector<client_plan> make_plan(const options& opt) {
    if (opt.tokens_file.empty()) return plan_rooms(opt.connections, opt.room_size);
    auto plan = read_tokens_file(opt.tokens_file);
    if (plan.size() < opt.connections) {
        throw std::runtime_error("the tokens file holds " + std::to_string(plan.size()) +
                                 " clients, fewer than --connections " +
                                 std::to_string(opt.connections) +
                                 "; make a larger fixture (circles admin bench-fixture --rooms)");
    }
    plan.resize(opt.connections);
    return plan;
}

void prepare(run_state& s, const options& opt) {
    const auto url = parse_ws_url(opt.url, opt.proto);
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    const auto found = resolver.resolve(url.host, url.port, ec);
    if (ec || found.empty()) {
        throw std::runtime_error("cannot resolve " + url.host + ":" + url.port + ": " +
                                 ec.message());
    }
    s.endpoint = found.begin()->endpoint();
    const bool v6 = url.host.find(':') != std::string::npos;
    s.host_header = (v6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
    s.target = url.target;
    s.origin = opt.origin.empty() ? "http://" + s.host_header : opt.origin;
    // A word unique to the run in front: a server's repeat filter remembers texts for a while
    // (Circles' default policy: 60 s), and the next run against the same server sends the
    // same sequence numbers again.
    const auto run_id = static_cast<std::uint64_t>(
        std::chrono::system_clock::now().time_since_epoch() / std::chrono::microseconds(1));
    s.text = varied_text(filler_text(opt.message_bytes), run_id);
    s.text_json = boost::json::serialize(boost::json::string_view(s.text));
    s.plan = make_plan(opt);
    const auto n = s.plan.size();
    s.ready.assign(n, 0);
    s.room_audience.assign(n, 0);
    s.sent.resize(n);
    s.received.resize(n);
}

std::string fmt(const char* format, double a, double b = 0, double c = 0, double d = 0,
                double e = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, format, a, b, c, d, e);
    return buf;
}

}  // namespace

bench_report run_bench(const options& opt) {
    raise_open_file_limit();
    run_state s(opt);
    prepare(s, opt);
    const auto rooms = group_by_room(s.plan);
    const auto n = s.plan.size();

    bench_report r;
    r.protocol = opt.proto == protocol::circles ? "circles" : "socketio";
    r.url = opt.url;
    r.connections_requested = n;
    r.rooms = rooms.size();
    for (const auto& members : rooms) r.room_size = std::max(r.room_size, members.size());
    r.rate = opt.rate;
    r.warmup_s = opt.warmup_s;
    r.duration_s = opt.duration_s;
    r.threads = opt.threads;
    r.message_bytes = s.text.size();
    r.server_pid = opt.server_pid;
    r.rss_before = read_rss_bytes(opt.server_pid);

    progress_line progress(opt.progress);
    std::vector<std::unique_ptr<worker>> workers;
    for (unsigned t = 0; t < opt.threads; ++t) workers.push_back(std::make_unique<worker>(s));
    for (std::uint32_t i = 0; i < n; ++i) workers[i % workers.size()]->add_client(i);

    // --- setup ----------------------------------------------------------------------------
    const std::int64_t setup_started_ns = s.now_ns();
    const std::size_t per_worker =
        std::max<std::size_t>(1, (opt.connect_concurrency + workers.size() - 1) / workers.size());
    for (auto& w : workers) w->start(per_worker);
    auto last_print = std::chrono::steady_clock::now();
    for (;;) {
        const auto t = sum(workers);
        if (t.setup_done >= n) break;
        std::this_thread::sleep_for(tick);
        if (std::chrono::steady_clock::now() - last_print >= 1s) {
            last_print = std::chrono::steady_clock::now();
            progress.show(fmt("[setup] %.0f of %.0f joined, %.0f failed",
                              static_cast<double>(t.ready), static_cast<double>(n),
                              static_cast<double>(t.setup_done - t.ready)));
        }
    }
    std::int64_t setup_ended_ns = setup_started_ns;
    for (const auto& w : workers) {
        setup_ended_ns =
            std::max(setup_ended_ns, w->progress().last_setup_ns.load(std::memory_order_relaxed));
    }
    r.setup_s = static_cast<double>(setup_ended_ns - setup_started_ns) / 1e9;
    r.connections = sum(workers).ready;
    // Who gets a room's messages: the members that joined (setup_done was read with acquire,
    // so every worker's ready flags are visible here).
    for (const auto& members : rooms) {
        std::uint32_t joined = 0;
        for (auto i : members) joined += s.ready[i];
        for (auto i : members) {
            s.room_audience[i] = joined;
            if (!s.ready[i]) continue;
            for (auto m : members) {
                if (s.ready[m]) s.received[i].expect_sender(m);
            }
        }
    }
    if (r.connections > 0) {
        progress.show(fmt("[setup] %.0f joined in %.2f s; settling %.1f s",
                          static_cast<double>(r.connections), r.setup_s, opt.settle_s));
        std::this_thread::sleep_for(std::chrono::duration<double>(opt.settle_s));
        r.rss_connected = read_rss_bytes(opt.server_pid);
    }

    // --- traffic --------------------------------------------------------------------------
    s.traffic_start_ns = s.now_ns() + seconds_to_ns(0.05);
    s.window_start_ns = s.traffic_start_ns + seconds_to_ns(opt.warmup_s);
    s.window_end_ns = s.window_start_ns + seconds_to_ns(opt.duration_s);
    const std::int64_t drain_cap_ns = s.window_end_ns + seconds_to_ns(opt.drain_max_s);
    std::uint64_t answered_or_delivered = 0;
    std::int64_t last_arrival_ns = s.window_end_ns;  // of a window delivery or answer
    if (r.connections > 0) {
        for (auto& w : workers) w->start_traffic();  // the post publishes the times above
    }
    std::optional<double> cpu_start;
    std::optional<cpu_split> own_start;
    std::uint64_t delivered_at_start = 0;  // every message received, when cpu_start was read
    bool window_started = false;
    bool window_ended = false;
    totals last = sum(workers);
    std::int64_t last_ns = s.now_ns();
    while (r.connections > 0) {
        std::this_thread::sleep_for(tick);
        const std::int64_t now = s.now_ns();
        const totals t = sum(workers);
        if (!window_started && now >= s.window_start_ns) {
            window_started = true;
            cpu_start = read_cpu_seconds(opt.server_pid);
            own_start = read_own_cpu();
            delivered_at_start = t.delivered;
        }
        if (!window_ended && now >= s.window_end_ns) {
            window_ended = true;
            const auto cpu_end = read_cpu_seconds(opt.server_pid);
            const auto own_end = read_own_cpu();
            if (own_start && own_end) {
                r.generator_user_s = own_end->user_s - own_start->user_s;
                r.generator_system_s = own_end->system_s - own_start->system_s;
            }
            if (cpu_start && cpu_end) {
                r.server_cpu_s = *cpu_end - *cpu_start;
                r.arrived_in_window = t.delivered - delivered_at_start;
            }
        }
        if (window_ended && t.window_delivered >= t.window_expected &&
            t.window_answered >= t.window_sent) {
            r.drain_complete = true;
            break;  // everything the window sent has arrived and been answered
        }
        // A slow server is still draining its queues: wait while window messages keep
        // arriving; what has not come after drain_s of silence is not coming.
        if (t.window_delivered + t.window_answered != answered_or_delivered) {
            answered_or_delivered = t.window_delivered + t.window_answered;
            last_arrival_ns = std::max(now, s.window_end_ns);
        }
        if (window_ended &&
            (now - last_arrival_ns >= seconds_to_ns(opt.drain_s) || now >= drain_cap_ns)) {
            break;
        }
        if (now - last_ns >= seconds_to_ns(1.0)) {
            if (const auto rss = read_rss_bytes(opt.server_pid)) {
                r.rss_peak = std::max(r.rss_peak.value_or(0), *rss);
            }
            const double dt = static_cast<double>(now - last_ns) / 1e9;
            const char* phase = now < s.window_start_ns ? "warm-up"
                                : now < s.window_end_ns ? "measure"
                                                        : "drain";
            const double at =
                static_cast<double>(now - (now < s.window_start_ns ? s.traffic_start_ns
                                           : now < s.window_end_ns ? s.window_start_ns
                                                                   : s.window_end_ns)) /
                1e9;
            progress.show(std::string("[") + phase + fmt(" %5.1fs] ", at) +
                          fmt("%.0f clients  sent %.0f/s  delivered %.0f/s  errors %.0f",
                              static_cast<double>(r.connections),
                              static_cast<double>(t.sent - last.sent) / dt,
                              static_cast<double>(t.delivered - last.delivered) / dt,
                              static_cast<double>(t.errors)));
            last = t;
            last_ns = now;
        }
    }
    r.drain_s = std::max(0.0, static_cast<double>(s.now_ns() - s.window_end_ns) / 1e9);
    progress.finish();

    // --- stop and report ------------------------------------------------------------------
    for (auto& w : workers) w->stop(close_grace);
    for (auto& w : workers) w->join();
    std::vector<const receive_log*> recipients;
    for (std::size_t i = 0; i < n; ++i) {
        if (s.ready[i]) recipients.push_back(&s.received[i]);
    }
    r.delivery = reconcile(s.sent, recipients);
    for (const auto& log : s.sent) {
        r.sent += log.sent_count();
        r.refused += log.refused_count();
    }
    for (const auto& w : workers) {
        const auto& st = std::as_const(*w).stats();
        r.latency.merge(st.latency);
        r.ack_latency.merge(st.ack_latency);
        r.send_lag.merge(st.send_lag);
        r.acked += st.acked;
        for (const auto& [kind, count] : st.errors) r.errors[kind] += count;
    }
    return r;
}

}  // namespace circles::bench

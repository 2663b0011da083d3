#include "circles/bench/report.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace circles::bench {

namespace json = boost::json;

namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

// Three decimals of a millisecond (microseconds) are as precise as the histogram.
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

json::object latency_json(const latency_histogram& h) {
    return {{"count", h.count()},
            {"mean", round3(h.mean() / 1e6)},
            {"p50", round3(ms(h.percentile(50)))},
            {"p90", round3(ms(h.percentile(90)))},
            {"p99", round3(ms(h.percentile(99)))},
            {"p99_9", round3(ms(h.percentile(99.9)))},
            {"max", round3(ms(h.max()))}};
}

template <class T>
json::value optional_json(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string mib(const std::optional<std::uint64_t>& bytes) {
    return bytes ? fixed(static_cast<double>(*bytes) / (1024.0 * 1024.0), 1) + " MiB" : "-";
}

void latency_row(std::ostream& out, const char* name, const latency_histogram& h) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "  %-18s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %10llu\n", name,
                  ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)),
                  ms(h.percentile(99.9)), ms(h.max()), h.mean() / 1e6,
                  static_cast<unsigned long long>(h.count()));
    out << buf;
}

}  // namespace

std::uint64_t bench_report::errors_total() const {
    std::uint64_t n = 0;
    for (const auto& [kind, count] : errors) n += count;
    return n;
}

std::optional<double> bench_report::bytes_per_connection() const {
    if (!rss_before || !rss_connected || connections == 0) return std::nullopt;
    return (static_cast<double>(*rss_connected) - static_cast<double>(*rss_before)) /
           static_cast<double>(connections);
}

namespace {

// Boost.JSON writes every double in exponent form (5 as 5E0); a reader of the output, person or
// jq, is better served by the shortest plain form (5, 0.112), which std::to_chars gives.
void write_json(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, value] : v.get_object()) {
                if (!first) out += ',';
                first = false;
                out += json::serialize(key);
                out += ':';
                write_json(out, value);
            }
            out += '}';
            return;
        }
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& value : v.get_array()) {
                if (!first) out += ',';
                first = false;
                write_json(out, value);
            }
            out += ']';
            return;
        }
        case json::kind::double_: {
            const double d = v.get_double();
            if (!std::isfinite(d)) {
                out += "null";
                return;
            }
            char buf[64];
            const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
            out.append(buf, ec == std::errc{} ? end : buf);
            return;
        }
        default:
            out += json::serialize(v);
            return;
    }
}

}  // namespace

std::string format_json(const bench_report& r) {
    std::string out;
    write_json(out, to_json(r));
    return out;
}

json::object to_json(const bench_report& r) {
    json::object errors;
    for (const auto& [kind, count] : r.errors) errors[kind] = count;
    const double window = r.duration_s > 0 ? r.duration_s : 1;
    const auto per_conn = r.bytes_per_connection();
    return {
        {"protocol", r.protocol},
        {"url", r.url},
        {"connections_requested", r.connections_requested},
        {"connections", r.connections},
        {"rooms", r.rooms},
        {"room_size", r.room_size},
        {"rate_per_member", r.rate},
        {"warmup_s", r.warmup_s},
        {"duration_s", r.duration_s},
        {"threads", r.threads},
        {"message_bytes", r.message_bytes},
        {"setup_s", round3(r.setup_s)},
        {"drain_s", round3(r.drain_s)},
        {"drain_complete", r.drain_complete},
        {"sent", r.sent},
        {"acked", r.acked},
        {"refused", r.refused},
        {"unacked", r.unacked()},
        {"expected", r.delivery.expected},
        {"delivered", r.delivery.delivered},
        {"lost", r.delivery.lost},
        {"duplicated", r.delivery.duplicated},
        {"unexpected", r.delivery.unexpected},
        {"sent_per_s", round3(static_cast<double>(r.sent) / window)},
        {"delivered_per_s", round3(static_cast<double>(r.delivery.delivered) / window)},
        {"latency_ms", latency_json(r.latency)},
        {"ack_latency_ms", latency_json(r.ack_latency)},
        {"send_lag_ms", latency_json(r.send_lag)},
        {"errors", std::move(errors)},
        {"errors_total", r.errors_total()},
        {"server_pid", r.server_pid > 0 ? json::value(r.server_pid) : json::value(nullptr)},
        {"rss_before_bytes", optional_json(r.rss_before)},
        {"rss_connected_bytes", optional_json(r.rss_connected)},
        {"rss_peak_bytes", optional_json(r.rss_peak)},
        {"bytes_per_connection",
         per_conn ? json::value(std::round(*per_conn)) : json::value(nullptr)},
        {"server_cpu_s",
         r.server_cpu_s ? json::value(round3(*r.server_cpu_s)) : json::value(nullptr)},
        {"arrived_in_window", optional_json(r.arrived_in_window)},
        {"generator_user_s",
         r.generator_user_s ? json::value(round3(*r.generator_user_s)) : json::value(nullptr)},
        {"generator_system_s",
         r.generator_system_s ? json::value(round3(*r.generator_system_s)) : json::value(nullptr)},
        {"clean", r.clean()},
    };
}

void print_table(std::ostream& out, const bench_report& r) {
    const double window = r.duration_s > 0 ? r.duration_s : 1;
    out << "circles-bench: " << r.protocol << " at " << r.url << "\n";
    out << "  clients            " << r.connections << " of " << r.connections_requested
        << " joined, " << r.rooms << " rooms of up to " << r.room_size << ", " << r.threads
        << (r.threads == 1 ? " thread" : " threads") << ", setup " << fixed(r.setup_s, 2) << " s\n";
    out << "  load               " << fixed(r.rate, 2) << " msg/s per member, " << r.message_bytes
        << " B, warm-up " << fixed(r.warmup_s, 1) << " s, window " << fixed(r.duration_s, 1)
        << " s, drain " << fixed(r.drain_s, 2) << " s"
        << (r.drain_complete ? "" : " (gave up waiting)") << "\n";
    out << "\n";
    out << "  sent               " << r.sent << " ("
        << fixed(static_cast<double>(r.sent) / window, 1) << "/s), acked " << r.acked
        << ", refused " << r.refused << ", unacked " << r.unacked() << "\n";
    out << "  delivered          " << r.delivery.delivered << " of " << r.delivery.expected
        << " expected (" << fixed(static_cast<double>(r.delivery.delivered) / window, 1) << "/s)\n";
    out << "  lost               " << r.delivery.lost << "\n";
    out << "  duplicated         " << r.delivery.duplicated << "\n";
    if (r.delivery.unexpected > 0) {
        out << "  unexpected         " << r.delivery.unexpected << " (copies of refused sends)\n";
    }
    out << "\n  latency (ms)             p50       p90       p99     p99.9       max      mean"
           "      count\n";
    latency_row(out, "send -> recipient", r.latency);
    latency_row(out, "send -> ack", r.ack_latency);
    latency_row(out, "generator lag", r.send_lag);
    out << "\n  errors             " << r.errors_total();
    if (!r.errors.empty()) {
        const char* sep = " (";
        for (const auto& [kind, count] : r.errors) {
            out << sep << kind << " " << count;
            sep = ", ";
        }
        out << ")";
    }
    out << "\n";
    if (r.server_pid > 0) {
        const auto per_conn = r.bytes_per_connection();
        out << "  server pid " << r.server_pid << "     RSS idle before " << mib(r.rss_before)
            << ", connected " << mib(r.rss_connected) << ", peak " << mib(r.rss_peak) << "\n";
        out << "  per connection     "
            << (per_conn ? fixed(*per_conn / 1024.0, 1) + " KiB idle" : std::string("-"))
            << ", server CPU in window "
            << (r.server_cpu_s ? fixed(*r.server_cpu_s, 2) + " s (" +
                                     fixed(100.0 * *r.server_cpu_s / window, 0) + " %)"
                               : std::string("-"));
        if (r.server_cpu_s && r.arrived_in_window && *r.arrived_in_window > 0) {
            out << ", "
                << fixed(1e6 * *r.server_cpu_s / static_cast<double>(*r.arrived_in_window), 1)
                << " us per message received in it";
        }
        out << "\n";
    }
    if (r.generator_user_s && r.generator_system_s) {
        // Each thread runs on at most one core: its share of them says whether the generator,
        // rather than the server, set the pace.
        const double busy = *r.generator_user_s + *r.generator_system_s;
        out << "  generator CPU      " << fixed(*r.generator_user_s, 2) << " s user + "
            << fixed(*r.generator_system_s, 2) << " s kernel in window ("
            << fixed(100.0 * busy / (window * std::max(1u, r.threads)), 0) << " % of " << r.threads
            << (r.threads == 1 ? " thread" : " threads") << ")";
        if (r.arrived_in_window && *r.arrived_in_window > 0) {
            out << ", kernel "
                << fixed(1e6 * *r.generator_system_s / static_cast<double>(*r.arrived_in_window), 2)
                << " us per message received";
        }
        out << "\n";
    }
}

}  // namespace circles::bench

#pragma once
// The figures of one run, and the two ways they are printed: one JSON object (--json) for
// scripts, or a table for people. Field names and units are listed in clients/bench/README.md.
#include <boost/json/object.hpp>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

#include "circles/bench/delivery_ledger.hpp"
#include "circles/bench/latency_histogram.hpp"

namespace circles::bench {

struct bench_report {
    std::string protocol;
    std::string url;
    std::size_t connections_requested = 0;
    std::size_t connections = 0;  // connected, authenticated and joined
    std::size_t rooms = 0;
    std::size_t room_size = 0;  // the largest room
    double rate = 0;
    double warmup_s = 0;
    double duration_s = 0;
    unsigned threads = 0;
    std::size_t message_bytes = 0;
    double setup_s = 0;           // from the first connect to the last join
    double drain_s = 0;           // after the window, until the wait for its last messages ended
    bool drain_complete = false;  // every window message arrived and every send was answered

    // Sends whose timestamp falls inside the measurement window.
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t refused = 0;  // answered with an Error
    delivery_summary delivery;

    latency_histogram latency;      // send -> each recipient, window messages
    latency_histogram ack_latency;  // send -> ack, window messages
    latency_histogram send_lag;     // how late the generator sent against its schedule

    std::map<std::string, std::uint64_t> errors;

    int server_pid = 0;
    std::optional<std::uint64_t> rss_before;     // before the first connection
    std::optional<std::uint64_t> rss_connected;  // all joined, idle, after --settle
    std::optional<std::uint64_t> rss_peak;       // highest sample while traffic ran
    std::optional<double> server_cpu_s;          // CPU seconds inside the window
    // Messages received inside the window, whenever they were sent: what the server delivered
    // for server_cpu_s. Past saturation it is less than the window's messages, whose backlog
    // is delivered after the window (`delivered`).
    std::optional<std::uint64_t> arrived_in_window;
    // The generator's own CPU inside the window (all its threads), user and kernel. Whatever
    // the server, a generator whose cores are full measures its own ceiling, not the server's.
    std::optional<double> generator_user_s;
    std::optional<double> generator_system_s;

    std::uint64_t unacked() const { return sent >= acked + refused ? sent - acked - refused : 0; }
    std::uint64_t errors_total() const;
    std::optional<double> bytes_per_connection() const;  // (connected - before) / connections
    // What the exit status reports: a run is clean when every client joined and nothing was
    // lost, duplicated or delivered against a refusal.
    bool clean() const {
        return connections > 0 && connections == connections_requested && delivery.lost == 0 &&
               delivery.duplicated == 0 && delivery.unexpected == 0;
    }
};

boost::json::object to_json(const bench_report& r);
// to_json as text, numbers in their shortest plain form (5, 0.112; not 5E0, 1.12E-1).
std::string format_json(const bench_report& r);
void print_table(std::ostream& out, const bench_report& r);

}  // namespace circles::bench

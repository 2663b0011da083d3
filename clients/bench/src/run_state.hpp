#pragma once
// What every client of one run shares. The runner fills it before any thread starts, except
// the traffic times, which it writes before posting start_traffic to the workers (the post
// orders the write before every read). The logs are indexed by client; each is touched only
// by the thread that runs that client, and read by the runner after the threads have stopped.
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "circles/bench/client_plan.hpp"
#include "circles/bench/delivery_ledger.hpp"
#include "circles/bench/options.hpp"

namespace circles::bench {

struct run_state {
    explicit run_state(const options& o) : opt(o) {}

    const options& opt;
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host_header;  // HOST:PORT, for the upgrade request
    std::string target;       // path and query of the upgrade
    std::string origin;
    std::string text;       // the message text
    std::string text_json;  // the same as a JSON string literal (Socket.IO)

    std::vector<client_plan> plan;
    // Members of each client's room that joined, the client included: how many deliveries one
    // of its sends should make. Set once setup is over.
    std::vector<std::uint32_t> room_audience;
    std::vector<std::uint8_t> ready;  // by client: joined (written by its thread during setup)
    std::vector<send_log> sent;
    std::vector<receive_log> received;

    // The run's clock: steady nanoseconds since `epoch`. Messages carry these numbers.
    std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
    std::int64_t now_ns() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - epoch)
            .count();
    }
    std::chrono::steady_clock::time_point at(std::int64_t ns) const {
        return epoch + std::chrono::nanoseconds(ns);
    }

    std::int64_t traffic_start_ns = 0;
    std::int64_t window_start_ns = 0;
    std::int64_t window_end_ns = 0;  // senders stop here
    bool in_window(std::int64_t ns) const { return ns >= window_start_ns && ns < window_end_ns; }
};

}  // namespace circles::bench

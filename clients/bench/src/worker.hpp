#pragma once
// One client thread: an io_context of its own, run by exactly one thread, and the connections
// it drives. With one thread per io_context no handler of a connection ever runs concurrently
// with another of the same worker, so connections need no strand and the statistics no lock.
// Only the progress counters are atomic: the runner reads them while the run is going.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "circles/bench/latency_histogram.hpp"
#include "run_state.hpp"

namespace circles::bench {

class connection;

// Counters the runner polls. Relaxed: they feed a progress line and the end-of-drain test.
struct progress_counters {
    std::atomic<std::uint64_t> setup_done{0};
    std::atomic<std::int64_t> last_setup_ns{0};  // run clock, when the latest setup ended
    std::atomic<std::uint64_t> ready{0};
    std::atomic<std::uint64_t> sent{0};       // every send, warm-up included
    std::atomic<std::uint64_t> delivered{0};  // every message received
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> window_sent{0};
    std::atomic<std::uint64_t> window_answered{0};   // acked or refused
    std::atomic<std::uint64_t> window_expected{0};   // deliveries the window's sends should make
    std::atomic<std::uint64_t> window_delivered{0};  // first copies of window messages
};

// Figures only the worker's thread writes; read after the thread has stopped.
struct worker_stats {
    latency_histogram latency;
    latency_histogram ack_latency;
    latency_histogram send_lag;
    std::uint64_t acked = 0;
    std::map<std::string, std::uint64_t> errors;
};

class worker {
  public:
    explicit worker(run_state& state);
    ~worker();
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    void add_client(std::uint32_t index);  // before start()
    void start(std::size_t setups_in_flight);
    void start_traffic();
    // Closes every connection; after `grace` the io_context is stopped whatever is pending.
    void stop(std::chrono::milliseconds grace);
    void join();

    boost::asio::io_context& ioc() { return ioc_; }
    run_state& state() { return state_; }
    progress_counters& progress() { return progress_; }
    const worker_stats& stats() const { return stats_; }

    // On the worker's thread, from its connections.
    worker_stats& stats() { return stats_; }
    void count_error(const std::string& kind);
    void setup_finished(std::uint32_t index, bool ok);

  private:
    run_state& state_;
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::vector<std::shared_ptr<connection>> connections_;
    std::size_t next_setup_ = 0;
    progress_counters progress_;
    worker_stats stats_;
    std::atomic<bool> run_returned_{false};
    std::thread thread_;
};

}  // namespace circles::bench

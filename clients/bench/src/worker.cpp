#include "worker.hpp"

#include <boost/asio/post.hpp>

#include "connection.hpp"

namespace circles::bench {

namespace net = boost::asio;

worker::worker(run_state& state) : state_(state), guard_(net::make_work_guard(ioc_)) {}

worker::~worker() {
    guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

void worker::add_client(std::uint32_t index) {
    connections_.push_back(make_connection(*this, index));
}

void worker::start(std::size_t setups_in_flight) {
    net::post(ioc_, [this, setups_in_flight] {
        for (std::size_t i = 0; i < setups_in_flight && next_setup_ < connections_.size(); ++i) {
            connections_[next_setup_++]->start();
        }
    });
    thread_ = std::thread([this] {
        ioc_.run();
        run_returned_.store(true, std::memory_order_release);
    });
}

void worker::setup_finished(std::uint32_t index, bool ok) {
    if (ok) {
        state_.ready[index] = 1;
        progress_.ready.fetch_add(1, std::memory_order_relaxed);
    }
    progress_.last_setup_ns.store(state_.now_ns(), std::memory_order_relaxed);
    // Release: the ready flag above is visible to whoever reads setup_done with acquire.
    progress_.setup_done.fetch_add(1, std::memory_order_release);
    if (next_setup_ < connections_.size()) connections_[next_setup_++]->start();
}

void worker::start_traffic() {
    net::post(ioc_, [this] {
        for (auto& c : connections_) c->start_traffic();
    });
}

void worker::count_error(const std::string& kind) {
    ++stats_.errors[kind];
    progress_.errors.fetch_add(1, std::memory_order_relaxed);
}

void worker::stop(std::chrono::milliseconds grace) {
    net::post(ioc_, [this] {
        for (auto& c : connections_) c->stop();
        connections_.clear();  // what is still closing keeps itself alive through its handlers
    });
    guard_.reset();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!run_returned_.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ioc_.stop();  // a peer that never answers the close is not waited for
}

void worker::join() {
    if (thread_.joinable()) thread_.join();
}

}  // namespace circles::bench

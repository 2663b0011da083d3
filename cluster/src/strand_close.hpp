#pragma once
// Shutting a Redis client down from its owner's destructor. Its hiredis contexts and timers
// belong to a strand, so the shutdown runs there: posted, and waited for, unless nobody can
// run it (the io_context is stopped) or we are on the strand already, when it runs inline. On
// another of the io_context's own threads it is posted and not waited for: waiting there
// could hold the only thread that would run it.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include "asio_adapter.hpp"

namespace circles::cluster::detail {

// A destructor waits this long for its shutdown to run on the strand. Past it, the shutdown
// stays posted and runs whenever the io_context next runs.
inline constexpr std::chrono::seconds close_wait_limit{2};

inline void close_on_strand(boost::asio::io_context& ioc, const strand& s,
                            std::function<void()> close, const char* what) {
    if (s.running_in_this_thread() || ioc.stopped()) return close();
    if (ioc.get_executor().running_in_this_thread()) {
        boost::asio::post(s, std::move(close));
        return;
    }
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    boost::asio::post(s, [close = std::move(close), done] {
        close();
        done->set_value();
    });
    if (finished.wait_for(close_wait_limit) != std::future_status::ready) {
        spdlog::warn("{}: shutdown did not run within {} s (is the io_context running?)", what,
                     close_wait_limit.count());
    }
}

}  // namespace circles::cluster::detail

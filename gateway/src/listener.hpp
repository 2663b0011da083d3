#pragma once
// Accepts TCP connections and hands each, on its own strand, to an http_session.
//
// Accepted sockets get TCP_NODELAY: every frame Circles writes is a whole message the client
// is waiting for, and Nagle's algorithm would hold a small frame back until the previous one
// is acknowledged (up to a delayed-ACK timeout, tens of milliseconds on Linux).
//
// When accept fails for want of resources (EMFILE: the descriptor limit; ENFILE, ENOBUFS,
// ENOMEM), the pending connection stays in the kernel's backlog, so accepting again at once
// fails again at once: a tight loop that burns a core and floods the log. The listener waits
// accept_backoff instead, and says so once per episode.
#include <chrono>
#include <memory>

#include "beast.hpp"
#include "shared_state.hpp"

namespace circles::gateway {

class listener : public std::enable_shared_from_this<listener> {
  public:
    // Binds and listens; throws boost::system::system_error if the address is taken.
    listener(net::io_context& ioc, tcp::endpoint endpoint, std::shared_ptr<shared_state> state);

    void run();
    void stop();
    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    static constexpr std::chrono::milliseconds accept_backoff{100};

  private:
    void do_accept();
    void on_accept(beast::error_code ec, connection_socket socket);
    void on_backoff(beast::error_code ec);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;  // on the acceptor's strand
    std::shared_ptr<shared_state> state_;
    std::size_t failed_accepts_ = 0;  // in the current episode of accept errors
};

}  // namespace circles::gateway

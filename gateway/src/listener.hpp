#pragma once
// Accepts TCP connections and hands each, on its own strand, to an http_session.
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

  private:
    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::shared_ptr<shared_state> state_;
};

}  // namespace circles::gateway

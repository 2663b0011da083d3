#include "listener.hpp"

#include <spdlog/spdlog.h>

#include "http_session.hpp"

namespace circles::gateway {

void fail(beast::error_code ec, const char* what) {
    if (ec == net::error::operation_aborted || ec == websocket::error::closed ||
        ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == http::error::end_of_stream) {
        return;
    }
    spdlog::debug("{}: {}", what, ec.message());
}

listener::listener(net::io_context& ioc, tcp::endpoint endpoint,
                   std::shared_ptr<shared_state> state)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      backoff_(acceptor_.get_executor()),
      state_(std::move(state)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::run() { do_accept(); }

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->acceptor_.close(ignored);
        self->backoff_.cancel();
    });
}

void listener::do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, connection_socket socket) {
    if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (failed_accepts_++ == 0) {
            spdlog::warn("accept: {}; retrying every {} ms until it succeeds", ec.message(),
                         accept_backoff.count());
        }
        backoff_.expires_after(accept_backoff);
        backoff_.async_wait(beast::bind_front_handler(&listener::on_backoff, shared_from_this()));
        return;
    }
    if (failed_accepts_ > 0) {
        spdlog::info("accept: recovered after {} failed attempts", failed_accepts_);
        failed_accepts_ = 0;
    }
    if (!state_->shutting_down()) {
        beast::error_code ignored;  // a socket the peer already reset fails its first read
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<http_session>(std::move(socket), state_)->run();
    }
    if (acceptor_.is_open()) do_accept();
}

void listener::on_backoff(beast::error_code ec) {
    if (ec || !acceptor_.is_open()) return;
    do_accept();
}

}  // namespace circles::gateway

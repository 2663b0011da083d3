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
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), state_(std::move(state)) {
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
    });
}

void listener::do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        spdlog::warn("accept: {}", ec.message());
    } else if (!state_->shutting_down()) {
        std::make_shared<http_session>(std::move(socket), state_)->run();
    }
    if (acceptor_.is_open()) do_accept();
}

}  // namespace circles::gateway

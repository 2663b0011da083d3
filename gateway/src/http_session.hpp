#pragma once
// One HTTP/1.1 connection: reads requests (bounded body, timeout), answers the JSON API and
// static files, and hands a valid WebSocket upgrade on /ws to a websocket_session.
#include <memory>
#include <optional>

#include "beast.hpp"
#include "shared_state.hpp"

namespace circles::gateway {

class http_session : public std::enable_shared_from_this<http_session>, public connection {
  public:
    http_session(connection_socket&& socket, std::shared_ptr<shared_state> state);
    ~http_session() override;

    void run();
    void close_for_shutdown() override;
    void close_if_session(const std::string&) override {}

  private:
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void upgrade(http::request<http::string_body> req);
    void login(http::request<http::string_body> req);
    void send(http::message_generator msg);
    void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
    void do_close();

    connection_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<shared_state> state_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::uint64_t registry_id_ = 0;
};

}  // namespace circles::gateway

#pragma once
// The Beast and Asio names the gateway uses, in one place.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace circles::gateway {
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Reports a failure unless it is the normal end of a connection.
void fail(beast::error_code ec, const char* what);
}  // namespace circles::gateway

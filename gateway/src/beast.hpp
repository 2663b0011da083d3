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

// Every client connection runs on a strand of the one io_context, and its socket and stream
// name that strand's type rather than any_io_executor: Asio then calls the strand directly,
// with no type-erased executor built, copied and dispatched through on each read, write and
// post of a connection.
using connection_strand = net::strand<net::io_context::executor_type>;
using connection_socket = net::basic_stream_socket<tcp, connection_strand>;
using connection_stream = beast::basic_stream<tcp, connection_strand>;

// Reports a failure unless it is the normal end of a connection.
void fail(beast::error_code ec, const char* what);
}  // namespace circles::gateway

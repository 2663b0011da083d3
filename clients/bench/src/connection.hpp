#pragma once
// One benchmark client over a Beast WebSocket: connect, upgrade, the protocol's own
// authenticate-and-join exchange, then a send timer at the member's rate and a read loop that
// accounts for every message. The protocol (Circles protobuf, Socket.IO text) is a subclass:
// it decorates the upgrade, reacts to frames, and encodes one send; this class does the rest.
//
// Every handler runs on the worker's single thread (see worker.hpp), so nothing here locks.
// Lifetime follows pending work: handlers hold shared_from_this().
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "circles/bench/message_tag.hpp"
#include "worker.hpp"

namespace circles::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(worker& w, std::uint32_t index);
    virtual ~connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start();          // connect; setup_finished() is called exactly once afterwards
    void start_traffic();  // if ready: the send schedule begins at run_state::traffic_start_ns
    void stop();           // a normal close; nothing after it counts as an error

  protected:
    // --- the protocol ----------------------------------------------------------------------
    virtual bool binary_frames() const = 0;
    virtual void decorate(websocket::request_type& req) const = 0;  // the upgrade's headers
    virtual void on_upgraded() {}                                   // before the first read
    virtual void on_frame(std::string_view data) = 0;
    virtual std::string encode_send(const message_tag& tag) = 0;  // one message, framed

    // --- what a protocol reports -----------------------------------------------------------
    void write(std::string frame);
    void joined();                        // setup complete: ready for traffic
    void setup_failed(std::string kind);  // setup failed; the connection is dropped
    void message_arrived(std::string_view tag_text);
    void ack_arrived(std::string_view tag_text);
    void send_refused(std::string_view tag_text, std::string kind);
    void error(std::string kind);  // counted; the connection goes on

    bool setting_up() const { return phase_ == phase::setting_up; }
    bool live() const { return phase_ == phase::setting_up || phase_ == phase::ready; }
    run_state& state() const { return worker_.state(); }
    std::uint32_t index() const { return index_; }
    const client_plan& plan() const { return worker_.state().plan[index_]; }

  private:
    enum class phase { idle, setting_up, ready, failed, stopping };

    void on_connect(beast::error_code ec);
    void on_handshake(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void arm_send();
    void on_send_timer(beast::error_code ec);
    void on_setup_deadline(beast::error_code ec);
    void finish_setup(bool ok);
    void drop();  // closes the socket without a close handshake

    worker& worker_;
    const std::uint32_t index_;
    websocket::stream<beast::tcp_stream> ws_;
    websocket::response_type upgrade_response_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    bool setup_reported_ = false;
    phase phase_ = phase::idle;
    boost::asio::steady_timer timer_;  // the setup deadline, then the send schedule
    std::uint32_t next_seq_ = 0;
    std::int64_t scheduled_ns_ = 0;
    std::int64_t interval_ns_ = 0;
};

// A connection of the run's protocol for client `index`.
std::shared_ptr<connection> make_connection(worker& w, std::uint32_t index);

}  // namespace circles::bench

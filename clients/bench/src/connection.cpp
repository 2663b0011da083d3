#include "connection.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <cmath>

#include "circles_connection.hpp"
#include "socketio_connection.hpp"

namespace circles::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A client whose outbound frames pile up this far is not being read by the server: give up
// on it rather than grow without bound.
constexpr std::size_t write_queue_limit = 4096;

// Spreads the members' first sends over one interval, evenly and the same on every run
// (golden-ratio sequence), so the whole population does not fire on the same tick.
double phase_fraction(std::uint32_t index) {
    const double x = static_cast<double>(index) * 0.6180339887498949;
    return x - std::floor(x);
}

}  // namespace

connection::connection(worker& w, std::uint32_t index)
    : worker_(w), index_(index), ws_(w.ioc()), timer_(w.ioc()) {}

void connection::start() {
    phase_ = phase::setting_up;
    const auto& opt = state().opt;
    const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(opt.setup_timeout_s));
    timer_.expires_after(timeout);
    timer_.async_wait(
        beast::bind_front_handler(&connection::on_setup_deadline, shared_from_this()));
    beast::get_lowest_layer(ws_).expires_after(timeout);
    beast::get_lowest_layer(ws_).async_connect(
        state().endpoint, beast::bind_front_handler(&connection::on_connect, shared_from_this()));
}

void connection::on_connect(beast::error_code ec) {
    if (phase_ != phase::setting_up) return;
    if (ec) return setup_failed("connect");
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_never();  // the websocket timeout below takes over
    beast::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(state().opt.setup_timeout_s));
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    // Called only inside the handshake, whose handler keeps this connection alive.
    ws_.set_option(
        websocket::stream_base::decorator([this](websocket::request_type& req) { decorate(req); }));
    ws_.binary(binary_frames());
    ws_.read_message_max(16 * 1024 * 1024);
    ws_.async_handshake(upgrade_response_, state().host_header, state().target,
                        beast::bind_front_handler(&connection::on_handshake, shared_from_this()));
}

void connection::on_handshake(beast::error_code ec) {
    if (phase_ != phase::setting_up) return;
    if (ec) {
        const auto status = upgrade_response_.result_int();
        return setup_failed(status != 0 && status != 101 ? "upgrade_" + std::to_string(status)
                                                         : std::string("upgrade"));
    }
    upgrade_response_ = {};
    on_upgraded();
    do_read();
}

void connection::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_read, shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t) {
    if (phase_ == phase::stopping || phase_ == phase::failed) return;
    if (ec) {
        if (phase_ == phase::setting_up) return setup_failed("closed_during_setup");
        const auto code = ws_.reason().code;
        error(ec == websocket::error::closed ? "closed_" + std::to_string(code)
                                             : std::string("disconnected"));
        phase_ = phase::failed;
        timer_.cancel();
        return;
    }
    const auto data = buffer_.cdata();
    on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (phase_ == phase::setting_up || phase_ == phase::ready) do_read();
}

void connection::write(std::string frame) {
    if (phase_ != phase::setting_up && phase_ != phase::ready) return;
    if (queue_.size() >= write_queue_limit) {
        error("write_backlog");
        phase_ = phase::failed;
        timer_.cancel();
        return drop();
    }
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
}

void connection::do_write() {
    writing_ = true;
    ws_.async_write(net::buffer(queue_.front()),
                    beast::bind_front_handler(&connection::on_write, shared_from_this()));
}

void connection::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (!queue_.empty()) queue_.pop_front();
    if (ec) return;  // the read side reports what happened to the connection
    if (!queue_.empty() && (phase_ == phase::setting_up || phase_ == phase::ready)) do_write();
}

void connection::joined() {
    if (phase_ != phase::setting_up) return;
    phase_ = phase::ready;
    timer_.cancel();
    finish_setup(true);
}

void connection::setup_failed(std::string kind) {
    if (phase_ != phase::setting_up) return;
    phase_ = phase::failed;
    timer_.cancel();
    error(std::move(kind));
    drop();
    finish_setup(false);
}

void connection::on_setup_deadline(beast::error_code ec) {
    if (ec || phase_ != phase::setting_up) return;  // cancelled: the setup finished
    setup_failed("setup_timeout");
}

void connection::finish_setup(bool ok) {
    if (setup_reported_) return;
    setup_reported_ = true;
    worker_.setup_finished(index_, ok);
}

void connection::drop() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

void connection::start_traffic() {
    if (phase_ != phase::ready) return;
    const auto& s = state();
    interval_ns_ = static_cast<std::int64_t>(1e9 / s.opt.rate);
    scheduled_ns_ =
        s.traffic_start_ns +
        static_cast<std::int64_t>(phase_fraction(index_) * static_cast<double>(interval_ns_));
    arm_send();
}

void connection::arm_send() {
    timer_.expires_at(state().at(scheduled_ns_));
    timer_.async_wait(beast::bind_front_handler(&connection::on_send_timer, shared_from_this()));
}

void connection::on_send_timer(beast::error_code ec) {
    if (ec || phase_ != phase::ready) return;
    auto& s = state();
    const std::int64_t now = s.now_ns();
    if (now >= s.window_end_ns) return;  // the window is over: this member stops sending
    const message_tag tag{index_, next_seq_++, now};
    auto& progress = worker_.progress();
    if (s.in_window(now)) {
        worker_.stats().send_lag.record(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - scheduled_ns_)));
        s.sent[index_].on_sent(tag.seq);
        progress.window_sent.fetch_add(1, std::memory_order_relaxed);
        progress.window_expected.fetch_add(s.room_audience[index_], std::memory_order_relaxed);
    }
    progress.sent.fetch_add(1, std::memory_order_relaxed);
    write(encode_send(tag));
    scheduled_ns_ += interval_ns_;
    arm_send();
}

void connection::message_arrived(std::string_view tag_text) {
    auto& s = state();
    const auto tag = parse_tag(tag_text);
    if (!tag) return error("unparsed_message");
    auto& progress = worker_.progress();
    progress.delivered.fetch_add(1, std::memory_order_relaxed);
    if (!s.in_window(tag->sent_ns)) return;
    switch (s.received[index_].on_received(tag->sender, tag->seq)) {
        case receive_log::outcome::first:
            worker_.stats().latency.record(
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.now_ns() - tag->sent_ns)));
            progress.window_delivered.fetch_add(1, std::memory_order_relaxed);
            break;
        case receive_log::outcome::duplicate:
            break;  // reconcile() counts it
        case receive_log::outcome::foreign:
            error("foreign_message");
            break;
    }
}

void connection::ack_arrived(std::string_view tag_text) {
    auto& s = state();
    const auto tag = parse_tag(tag_text);
    if (!tag || tag->sender != index_) return error("unparsed_ack");
    if (!s.in_window(tag->sent_ns)) return;
    auto& stats = worker_.stats();
    stats.ack_latency.record(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.now_ns() - tag->sent_ns)));
    ++stats.acked;
    worker_.progress().window_answered.fetch_add(1, std::memory_order_relaxed);
}

void connection::send_refused(std::string_view tag_text, std::string kind) {
    error(std::move(kind));
    auto& s = state();
    const auto tag = parse_tag(tag_text);
    if (!tag || tag->sender != index_ || !s.in_window(tag->sent_ns)) return;
    if (!s.sent[index_].on_refused(tag->seq)) return;  // refused twice: counted once
    auto& progress = worker_.progress();
    progress.window_answered.fetch_add(1, std::memory_order_relaxed);
    progress.window_expected.fetch_sub(s.room_audience[index_], std::memory_order_relaxed);
}

void connection::error(std::string kind) { worker_.count_error(kind); }

std::shared_ptr<connection> make_connection(worker& w, std::uint32_t index) {
    if (w.state().opt.proto == protocol::socketio) {
        return std::make_shared<socketio_connection>(w, index);
    }
    return std::make_shared<circles_connection>(w, index);
}

void connection::stop() {
    const auto was = phase_;
    phase_ = phase::stopping;
    timer_.cancel();
    if (was == phase::setting_up) return drop();  // no handshake to close yet
    if (was != phase::ready) return;
    // Unsent frames are dropped; the one being written lives until its handler pops it.
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code) { self->drop(); });
}

}  // namespace circles::bench

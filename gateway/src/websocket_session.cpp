#include "websocket_session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/visibility.hpp"

namespace circles::gateway {

namespace {

// TCP_CORK (Linux) as an Asio socket option: while set, the kernel sends only full segments;
// clearing it sends what is held at once.
class tcp_cork {
  public:
    explicit tcp_cork(bool on) : value_(on ? 1 : 0) {}
    template <class Protocol>
    int level(const Protocol&) const {
        return IPPROTO_TCP;
    }
    template <class Protocol>
    int name(const Protocol&) const {
        return TCP_CORK;
    }
    template <class Protocol>
    const int* data(const Protocol&) const {
        return &value_;
    }
    template <class Protocol>
    std::size_t size(const Protocol&) const {
        return sizeof(value_);
    }

  private:
    int value_;
};

// The close code for "this login has ended" (logged out or expired): the web client's
// CLOSE_UNAUTHENTICATED, which sends it to the login page without trying again.
constexpr auto close_session_ended = static_cast<websocket::close_code>(4401);
// The subprotocol a client offers to take FrameBatch messages.
constexpr std::string_view batch_subprotocol = "circles.v1.batch";
// Named limits of one FrameBatch: a frame that would take it past them waits for the next.
constexpr std::size_t max_batch_bytes = 64 * 1024;
constexpr std::size_t max_batch_frames = 256;

}  // namespace

websocket_session::websocket_session(connection_socket&& socket,
                                     std::shared_ptr<shared_state> state, storage::user user,
                                     std::string_view token)
    : ws_(std::move(socket)),
      state_(std::move(state)),
      user_(std::move(user)),
      token_hash_(storage::session_token_hash(token)),
      frame_bucket_({state_->cfg().lim.frame_rate_per_second, state_->cfg().lim.frame_burst},
                    moderation::token_bucket::clock::now()) {}

websocket_session::~websocket_session() {
    leave_all();
    if (registry_id_) state_->remove(registry_id_);
}

void websocket_session::run(http::request<http::string_body> req,
                            std::chrono::system_clock::time_point session_expires) {
    const auto& lim = state_->cfg().lim;
    ws_.set_option(websocket::stream_base::timeout{lim.handshake_timeout, lim.idle_timeout, true});
    // Sec-WebSocket-Protocol is a comma-separated token list, possibly over several lines.
    const auto [first, last] = req.equal_range(http::field::sec_websocket_protocol);
    for (auto it = first; it != last && !batching_; ++it) {
        batching_ = http::token_list(it->value()).exists(batch_subprotocol);
    }
    ws_.set_option(
        websocket::stream_base::decorator([batching = batching_](websocket::response_type& res) {
            res.set(http::field::server, "circles");
            if (batching) res.set(http::field::sec_websocket_protocol, batch_subprotocol);
        }));
    ws_.read_message_max(lim.max_frame_bytes);
    ws_.binary(true);
    // Each message leaves as one frame: split into 4 KiB pieces (Beast's default), a batch
    // would take a socket write per piece.
    ws_.auto_fragment(false);
    registry_id_ = state_->add(weak_from_this(), session_expires);
    ws_.async_accept(req,
                     beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
    if (ec) return fail(ec, "websocket accept");
    accepted_ = true;
    if (closing_) return;  // shut down while the handshake was in flight
    spdlog::info("connected user={}", user_.id);
    v1::ServerFrame frame;
    auto* hello = frame.mutable_hello();
    rooms::fill(*hello->mutable_me(), rooms::member_of(user_));
    hello->set_server_time_ms(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count()));
    hello->set_max_frame_bytes(static_cast<std::uint32_t>(state_->cfg().lim.max_frame_bytes));
    hello->set_max_message_bytes(static_cast<std::uint32_t>(state_->policy()->max_message_bytes));
    hello->set_node_id(state_->cfg().node_id);
    reply(0, frame);
    watch_school();
    do_read();
}

void websocket_session::do_read() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (ec == websocket::error::message_too_big) {
            spdlog::info("closed user={} frame over {} bytes (1009)", user_.id,
                         state_->cfg().lim.max_frame_bytes);
        } else {
            fail(ec, "websocket read");
        }
        closing_ = true;
        leave_all();
        return;
    }
    if (closing_) return;
    v1::ClientFrame frame;
    const bool binary = ws_.got_binary();
    const bool parsed =
        binary && frame.ParseFromArray(buffer_.data().data(), static_cast<int>(buffer_.size()));
    buffer_.consume(buffer_.size());
    if (!parsed) {
        protocol_error(0, v1::ERROR_CODE_MALFORMED_FRAME,
                       binary ? "the frame is not a circles.v1.ClientFrame"
                              : "send binary protobuf frames, not text");
    } else if (auto verdict = frame_bucket_.take(moderation::token_bucket::clock::now());
               !verdict.allowed) {
        // Answered like any refused request, so a client can tell which send to retry.
        const bool send = frame.has_send();
        reply_error(frame.request_id(), v1::ERROR_CODE_RATE_LIMITED, "too many frames; slow down",
                    send ? static_cast<storage::room_id>(frame.send().room_id()) : 0,
                    send ? frame.send().client_msg_id() : std::string_view{},
                    static_cast<std::uint64_t>(verdict.retry_after.count()));
    } else {
        handle(frame);
    }
    if (!closing_) do_read();
}

void websocket_session::deliver(const rooms::room_event& ev) {
    net::post(ws_.get_executor(), [self = shared_from_this(), ev] { self->on_event(ev); });
}

void websocket_session::on_event(const rooms::room_event& ev) {
    if (closing_) return;
    if (ev.room < 0) return on_school_event(ev);
    auto it = joined_.find(ev.room);
    if (it == joined_.end()) return;
    if (ev.seq == 0) {
        if (!ev.frame) return still_reader(ev.room);
        if (!rooms::visible_to(ev.status, ev.sender, user_)) return;
        enqueue(ev.frame);
        if (ev.status == storage::message_status::removed && ev.sender == user_.id) {
            leave_removed(ev.room);  // a facilitator removed this member from the room
        }
        return;
    }
    storage::seq_t& last = it->second;
    if (ev.seq <= last) return;  // already delivered (replay, or a repeated bus message)
    // An event without a frame is a seq hint (catch-up): fill from the store below.
    if (ev.frame && ev.seq == last + 1) {
        last = ev.seq;  // a message this viewer may not see still moves the sequence on
        if (rooms::visible_to(ev.status, ev.sender, user_)) enqueue(ev.frame);
        return;
    }
    // A gap: something between last and ev.seq did not arrive on the bus. The store has it.
    while (last < ev.seq && !closing_) {
        auto missed = state_->rooms().since(ev.room, last);
        if (!missed) {
            spdlog::warn("gap fill failed user={} room={}", user_.id, ev.room);
            return close(websocket::close_code::internal_error, "try again");
        }
        if (missed->empty()) break;
        for (const auto& m : *missed) {
            last = m.seq;
            if (!rooms::visible_to(m.status, m.sender, user_)) continue;
            v1::ServerFrame frame;
            rooms::fill(*frame.mutable_message(), m);
            enqueue(rooms::encode(frame));
        }
    }
}

// The hint of a confirmed bus subscription (service::check_readers): a removal published while
// this node was not subscribed never arrived, and the room would go on reaching a student who
// no longer belongs to it. The same check as a join's (a counselor observing the room stays),
// not recorded again. One read; an unreadable store keeps the connection in the room.
void websocket_session::still_reader(storage::room_id room) {
    auto r = state_->rooms().authorize_reader(user_, room);
    if (r || r.error() != rooms::errc::not_a_member) return;
    spdlog::info("left room={} user={}: no longer a member (caught up)", room, user_.id);
    v1::ServerFrame frame;
    auto* removed = frame.mutable_member_removed();
    removed->set_room_id(static_cast<std::uint64_t>(room));
    rooms::fill(*removed->mutable_member(), rooms::member_of(user_));
    enqueue(rooms::encode(frame));
    leave_removed(room);
}

// The viewer no longer belongs to the room: this connection leaves it (it was told already).
void websocket_session::leave_removed(storage::room_id room) {
    joined_.erase(room);
    agreed_.erase(room);
    state_->rooms().leave(user_, room, this);
}

void websocket_session::enqueue(std::shared_ptr<const std::string> frame) {
    if (closing_) return;
    const auto& lim = state_->cfg().lim;
    if (queue_.size() >= lim.queue_limit_frames ||
        queued_bytes_ + frame->size() > lim.queue_limit_bytes) {
        spdlog::info("closed user={} slow consumer (1008): {} frames queued", user_.id,
                     queue_.size());
        return close(websocket::close_code::policy_error, "too slow; reconnect to resume");
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    // The write starts from the strand's queue, after the handlers already waiting on it: a
    // group commit's events for this connection, or a send's echo and its ack, go together.
    if (!writing_ && !flush_posted_) {
        flush_posted_ = true;
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->flush(); });
    }
}

void websocket_session::flush() {
    flush_posted_ = false;
    if (!writing_ && !closing_ && !queue_.empty()) do_write();
}

void websocket_session::do_write() {
    writing_ = true;
    if (write_batch()) return;
    in_flight_ = 1;
    // Frames waiting behind this one: cork the socket while this run of them is written, so
    // they leave in as few TCP segments as fit rather than one each (every segment costs the
    // kernel a transmit and, on the receiving side, a wake-up). The run is the frames queued
    // now, not whatever arrives meanwhile: on a busy connection the queue may never empty,
    // and the kernel would hold corked data up to 200 ms. A lone frame is never held back.
    if (queue_.size() > 1 && !corked_) {
        set_cork(true);
        cork_run_ = queue_.size();
    }
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

// Only frames already queued go in: nothing waits for a batch to fill, and a lone frame is
// written as itself.
bool websocket_session::write_batch() {
    if (!batching_ || queue_.size() < 2) return false;
    std::vector<std::string_view> frames;
    std::size_t bytes = 0;
    for (const auto& frame : queue_) {
        const auto element = rooms::batch_element_bytes(frame->size());
        if (frames.size() == max_batch_frames || bytes + element > max_batch_bytes) break;
        bytes += element;
        frames.emplace_back(*frame);
    }
    if (frames.size() < 2) return false;
    if (corked_) set_cork(false);  // a run corked for a lone oversized frame ends here
    rooms::encode_batch(batch_, frames);
    in_flight_ = frames.size();
    ws_.async_write(net::buffer(batch_),
                    beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
    return true;
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    for (; in_flight_ > 0 && !queue_.empty(); --in_flight_) {
        queued_bytes_ -= queue_.front()->size();
        queue_.pop_front();
    }
    in_flight_ = 0;
    // The batch buffer goes with its write: kept, it would stay on every idle connection
    // that ever had a batch (about 600 bytes each after a join), for one malloc per batch.
    if (!batch_.empty()) std::string().swap(batch_);
    if (ec) {
        closing_ = true;
        return fail(ec, "websocket write");
    }
    // The end of the run (or of the queue): push what is held, now.
    if (corked_ && (--cork_run_ == 0 || queue_.empty() || closing_)) set_cork(false);
    // Closing: what close() kept is written, then the close frame.
    if (!queue_.empty() && (!closing_ || close_pending_)) return do_write();
    if (close_pending_) send_close();
}

void websocket_session::set_cork(bool on) {
    beast::error_code ignored;  // an uncorkable socket only loses the batching
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.set_option(tcp_cork(on), ignored);
    corked_ = on;
}

void websocket_session::close(websocket::close_code code, const char* reason, bool answers_first) {
    if (closing_) return;
    closing_ = true;
    if (!accepted_) {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        return;
    }
    // A frame whose write was posted but not started goes out now. Everything behind what is
    // being written is dropped (the client resumes from its last seq), unless the queue holds
    // answers the client must get first: a frame read in the same burst as the one that
    // closes is answered behind writes still in flight. The frames in flight stay alive until
    // the write's handler runs.
    if (!writing_ && !queue_.empty()) do_write();
    while (!answers_first && queue_.size() > (writing_ ? in_flight_ : 0u)) {
        queued_bytes_ -= queue_.back()->size();
        queue_.pop_back();
    }
    leave_all();
    close_pending_.emplace(code, reason);
    if (!writing_) send_close();  // else on_write sends it once the queue is written
}

void websocket_session::send_close() {
    if (corked_) set_cork(false);  // the close frame goes out now
    auto reason = std::move(*close_pending_);
    close_pending_.reset();
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
        if (ec) fail(ec, "websocket close");
    });
}

void websocket_session::close_for_shutdown() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->close(websocket::close_code::going_away, "server shutting down");
    });
}

// A login lasts session_ttl: a socket opened with it does not outlive it. The client is told
// with close_session_ended and goes back to its login page.
void websocket_session::close_session_expired() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        if (self->closing_) return;
        spdlog::info("session expired user={}", self->user_.id);
        self->close(close_session_ended, "your session has expired; please log in again");
    });
}

void websocket_session::close_if_session(const std::string& token_hash) {
    net::post(ws_.get_executor(), [self = shared_from_this(), token_hash] {
        if (self->token_hash_ == token_hash) {
            self->close(close_session_ended, "logged out");
        }
    });
}

void websocket_session::leave_all() {
    for (const auto& [room, last] : joined_) state_->rooms().leave(user_, room, this);
    joined_.clear();
    if (watching_school_) {
        watching_school_ = false;
        state_->rooms().unwatch_school(user_.school, this);
    }
}

}  // namespace circles::gateway

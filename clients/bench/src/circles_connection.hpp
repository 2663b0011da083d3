#pragma once
// A client of the Circles protocol (gateway/README.md): the upgrade carries the session token
// as "Authorization: Bearer" and an allowed Origin; the server's first frame is Hello; the
// client joins its room with JoinRoom and is ready on JoinResult. Sends are SendMessage frames
// whose client_msg_id is the message tag, which the server echoes on the SendAck and on every
// MessageEvent, the sender's own included. Unless --no-batch, the upgrade offers the
// "circles.v1.batch" subprotocol, and frames may come several to a message as a FrameBatch.
#include "circles/v1/circles.pb.h"
#include "connection.hpp"

namespace circles::bench {

class circles_connection final : public connection {
  public:
    using connection::connection;

  private:
    bool binary_frames() const override { return true; }
    void decorate(websocket::request_type& req) const override;
    void on_frame(std::string_view data) override;
    void on_server_frame(const v1::ServerFrame& frame);
    std::string encode_send(const message_tag& tag) override;

    static constexpr std::uint64_t join_request_id = 1;
    std::uint64_t next_request_id_ = join_request_id + 1;
};

}  // namespace circles::bench

#pragma once
// A client of the Circles protocol (gateway/README.md): the upgrade carries the session token
// as "Authorization: Bearer" and an allowed Origin; the server's first frame is Hello; the
// client joins its room with JoinRoom and is ready on JoinResult. Sends are SendMessage frames
// whose client_msg_id is the message tag, which the server echoes on the SendAck and on every
// MessageEvent, the sender's own included.
#include "connection.hpp"

namespace circles::bench {

class circles_connection final : public connection {
  public:
    using connection::connection;

  private:
    bool binary_frames() const override { return true; }
    void decorate(websocket::request_type& req) const override;
    void on_frame(std::string_view data) override;
    std::string encode_send(const message_tag& tag) override;

    static constexpr std::uint64_t join_request_id = 1;
    std::uint64_t next_request_id_ = join_request_id + 1;
};

}  // namespace circles::bench

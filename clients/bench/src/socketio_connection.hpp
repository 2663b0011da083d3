#pragma once
// A client of a Socket.IO 4 server (Engine.IO v4 over a WebSocket, no polling): the server
// opens with `0{...}`, the client connects to "/" with `40`, joins its room with the event
// `42<id>["join","rN"]` and is ready on the ack `43<id>[...]`. A send is `42<id>["msg",{room,id,
// text}]`, acked as `43<id>[{"id":...}]`; the room receives `42["msg",{...}]`, the sender
// included, as in Circles. The server's pings (`2`) are answered (`3`).
#include "connection.hpp"

namespace circles::bench {

class socketio_connection final : public connection {
  public:
    using connection::connection;

  private:
    bool binary_frames() const override { return false; }
    void decorate(websocket::request_type& req) const override;
    void on_frame(std::string_view data) override;
    std::string encode_send(const message_tag& tag) override;

    void on_packet(std::string_view data);
    std::string room_name() const;

    static constexpr std::uint64_t join_ack_id = 1;
    std::uint64_t next_ack_id_ = join_ack_id + 1;
};

}  // namespace circles::bench

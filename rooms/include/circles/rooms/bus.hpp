#pragma once
// The fan-out bus: how an event in a room reaches every gateway node that has members of the
// room connected. One machine uses the in-process bus; several use Redis pub/sub behind the
// same interface. A bus is only a hint: delivery may be late, lost or repeated, so every
// sequenced event carries its seq and receivers fill gaps from the store.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "circles/storage/types.hpp"

namespace circles::rooms {

// A sequenced event without a frame (seq > 0, frame == nullptr) is a seq hint: the room has
// committed at least `seq`; a receiver behind it fills the gap from the store. Catch-up after
// a bus outage or a late subscribe sends these.
struct room_event {
    storage::room_id room = 0;
    storage::seq_t seq = 0;  // 0 for events outside the room sequence (presence)
    // The serialized circles.v1.ServerFrame, shared read-only by every recipient: one buffer
    // per broadcast, never a copy per connection. Without a frame, a hint: with a seq, how far
    // the room has committed (service::catch_up; fill up from the store); with seq 0, check
    // that the viewer may still read the room (service::check_readers; a removal may have been
    // published while this node was not subscribed).
    std::shared_ptr<const std::string> frame;
    // For a message: its status and sender, so a connection can tell whether its viewer may
    // see it without parsing the frame. Outside the sequence (seq 0) they say the same about
    // an event aimed at one member: `held` with `sender` is for that member and the room's
    // staff only (a mute); `removed` with `sender` is for everyone, and that member's
    // connections leave the room (their removal).
    storage::message_status status = storage::message_status::visible;
    storage::user_id sender = 0;
};

class bus {
  public:
    using handler = std::function<void(const room_event&)>;
    virtual ~bus() = default;

    // Called once, before any subscribe, with the function that receives every event of a
    // subscribed room (possibly on another thread).
    virtual void set_handler(handler h) = 0;
    virtual void publish(room_event ev) = 0;
    // The node has local members in `room` (first one came) / has none any more.
    virtual void subscribe(storage::room_id room) = 0;
    virtual void unsubscribe(storage::room_id room) = 0;
};

// Delivers each publish synchronously, on the publishing thread, to the handler when the
// room is subscribed.
std::unique_ptr<bus> make_local_bus();

}  // namespace circles::rooms

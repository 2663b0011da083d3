#pragma once
// Conversions from store rows to wire messages, and the one place frames are serialized.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "circles/rooms/presence.hpp"
#include "circles/storage/types.hpp"
#include "circles/v1/circles.pb.h"

namespace circles::rooms {

struct session_view;  // service.hpp
struct report_view;   // service.hpp

v1::Role to_proto(storage::role r) noexcept;
void fill(v1::Member& out, const member& m);
void fill(v1::Room& out, const storage::room& r);
void fill(v1::MessageEvent& out, const storage::stored_message& m);
void fill(v1::SessionState& out, const session_view& v);
// The room's controls alone: who set them and why are the caller's to add.
void fill(v1::RoomControls& out, storage::room_id room, const storage::room_controls& c);
// `for_staff` adds what only staff see (the escalation a safety report opened). Nothing
// names the reporter.
void fill(v1::Report& out, const report_view& r, bool for_staff);
// A round's counts; `started_by` when known.
void fill(v1::CheckInRound& out, const storage::checkin_round& r, const member* started_by);
void fill(v1::CheckInAnswer& out, storage::room_id room, std::int64_t round,
          const storage::checkin_answer& a, const member& who);

// Serializes once into an immutable buffer that every recipient shares.
std::shared_ptr<const std::string> encode(const v1::ServerFrame& frame);

// FrameBatch: several serialised ServerFrames as one. The bytes one frame of `frame_bytes`
// adds to a batch (its field tag and length, then the frame).
std::size_t batch_element_bytes(std::size_t frame_bytes) noexcept;
// Replaces `out` with a ServerFrame whose batch holds `frames` in order, written straight from
// the shared buffers (no ServerFrame is built). `out` keeps its capacity for the next batch.
void encode_batch(std::string& out, std::span<const std::string_view> frames);

}  // namespace circles::rooms

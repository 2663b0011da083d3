#pragma once
// Conversions from store rows to wire messages, and the one place frames are serialized.
#include <memory>
#include <string>

#include "circles/rooms/presence.hpp"
#include "circles/storage/types.hpp"
#include "circles/v1/circles.pb.h"

namespace circles::rooms {

struct session_view;  // service.hpp

v1::Role to_proto(storage::role r) noexcept;
void fill(v1::Member& out, const member& m);
void fill(v1::Room& out, const storage::room& r);
void fill(v1::MessageEvent& out, const storage::stored_message& m);
void fill(v1::SessionState& out, const session_view& v);

// Serializes once into an immutable buffer that every recipient shares.
std::shared_ptr<const std::string> encode(const v1::ServerFrame& frame);

}  // namespace circles::rooms

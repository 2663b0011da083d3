#pragma once
// The bytes of one room event on a Redis channel. Compact and fixed: every node of a cluster
// must read what every other writes, so a change of layout bumps `envelope_version` and a
// node drops (and counts) envelopes of a version it does not know.
//
//   offset  size  field
//   0       1     version (1)
//   1       1     origin length n (1..64)
//   2       n     origin node id
//   2+n     8     room id, little-endian
//   10+n    8     seq, little-endian
//   18+n    1     message status
//   19+n    8     sender user id, little-endian
//   27+n    ...   the serialized circles.v1.ServerFrame, to the end
#include <optional>
#include <string>
#include <string_view>

#include "circles/rooms/bus.hpp"

namespace circles::cluster {

inline constexpr unsigned char envelope_version = 1;

std::string encode_envelope(std::string_view origin, const rooms::room_event& ev);

struct decoded_envelope {
    std::string origin;
    rooms::room_event event;  // its frame is a fresh buffer shared by every recipient
};

// nullopt for a payload that is short, of another version, or has an unknown status.
std::optional<decoded_envelope> decode_envelope(std::string_view bytes);

}  // namespace circles::cluster

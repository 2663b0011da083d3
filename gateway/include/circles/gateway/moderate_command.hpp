#pragma once
// `circles moderate [--policy FILE] [--room-kind KIND]`: a tool for people who write policies.
// Reads JSON lines {"text": "...", "room_kind": "..."} on stdin and writes one JSON line per
// input with the decision. A bad line gets an error line naming its number; processing goes on.
#include <iosfwd>
#include <string>

#include "circles/moderation/engine.hpp"

namespace circles::gateway {

// Returns the number of input lines that were not valid requests.
int moderate_lines(const moderation::policy& p, const std::string& default_room_kind,
                   std::istream& in, std::ostream& out);

}  // namespace circles::gateway

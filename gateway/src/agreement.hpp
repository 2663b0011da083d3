#pragma once
// The group agreement of a room: its ground rules (from the school's policy, for the room's
// kind) and the version they make. The version is a hash of the rules' numbers and texts, so
// any change to a rule is a new version that students are asked to accept again.
#include <string>
#include <string_view>

#include "circles/moderation/engine.hpp"
#include "circles/v1/circles.pb.h"

namespace circles::gateway {

// 16 hex digits of BLAKE2b over the rules.
std::string agreement_version(const moderation::policy& p, std::string_view room_kind);

// The rules and their version; `accepted` is the version the user accepted last ("" none).
void fill_agreement(v1::Agreement& out, const moderation::policy& p, std::string_view room_kind,
                    std::string_view accepted, bool required);

}  // namespace circles::gateway

#pragma once
// The group agreement of a room: the school's ground rules (the same for every room kind) and
// the version they make. The version is a hash of the rules' numbers and texts, so any change
// to a rule is a new version that students are asked to accept again. It is computed once per
// policy (shared_state::policy_in_force), never per send.
#include <string>
#include <string_view>

#include "circles/moderation/engine.hpp"
#include "circles/v1/circles.pb.h"

namespace circles::gateway {

// 16 hex digits of BLAKE2b over the rules.
std::string agreement_version(const moderation::policy& p);

// The rules and their `version`; `accepted` is the version the user accepted last ("" none).
void fill_agreement(v1::Agreement& out, const moderation::policy& p, std::string_view version,
                    std::string_view accepted, bool required);

}  // namespace circles::gateway

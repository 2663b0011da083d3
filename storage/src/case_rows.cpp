#include "case_rows.hpp"

#include <sodium.h>

#include <new>

#include "circles/storage/errc.hpp"
#include "circles/storage/limits.hpp"
#include "sodium_init.hpp"
#include "store_common.hpp"

namespace circles::storage {

const char* to_string(case_outcome o) noexcept {
    switch (o) {
        case case_outcome::supported_in_school:
            return "supported_in_school";
        case case_outcome::referred:
            return "referred";
        case case_outcome::guardian_contacted:
            return "guardian_contacted";
        case case_outcome::emergency_services:
            return "emergency_services";
        case case_outcome::no_concern:
            return "no_concern";
    }
    return "unknown";
}

namespace detail {

namespace {

constexpr char identity_kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "cirNAMES";
constexpr std::uint64_t identity_kdf_id = 1;

std::string case_target(const escalation& e) { return "escalation:" + std::to_string(e.id); }

}  // namespace

bool valid_case_update(const case_update& u) noexcept {
    if (u.escalation_id <= 0 || u.counselor <= 0) return false;
    if (u.to != "" && u.to != "in_progress" && u.to != "resolved") return false;
    const bool resolving = u.to == "resolved";
    const bool known_outcome = u.outcome >= static_cast<int>(case_outcome::supported_in_school) &&
                               u.outcome <= static_cast<int>(case_outcome::no_concern);
    if (resolving ? !known_outcome : u.outcome != 0) return false;
    if (u.note.size() > limits::max_case_note_bytes || !valid_utf8(u.note)) return false;
    return !u.to.empty() || !u.note.empty();
}

result<case_move> plan_case_move(const std::string& state, const case_update& u) {
    case_move move;
    if (u.to.empty() || u.to == state) return move;
    if (state == "resolved") return errc::invalid_argument;
    move.change = true;
    move.acknowledge = state == "open";
    return move;
}

std::vector<audit_record> case_entries(const escalation& e, const case_update& u,
                                       const case_move& move, std::int64_t note_id) {
    std::vector<audit_record> out;
    if (move.acknowledge) {
        out.push_back({e.school, u.counselor, "escalation.acknowledged", e.room, case_target(e),
                       "level=" + std::to_string(e.page_level)});
    }
    if (move.change) {
        std::string detail = "from=" + e.state;
        if (u.to == "resolved") {
            detail += std::string(" outcome=") + to_string(static_cast<case_outcome>(u.outcome));
        }
        out.push_back({e.school, u.counselor, "escalation." + u.to, e.room, case_target(e),
                       std::move(detail)});
    }
    if (note_id) {
        out.push_back({e.school, u.counselor, "case.note", e.room, case_target(e),
                       "note=" + std::to_string(note_id)});
    }
    return out;
}

std::string case_note_ad(std::int64_t id, std::int64_t key_id) {
    return "case_note|" + std::to_string(id) + "|" + std::to_string(key_id);
}

std::unique_ptr<secret_key> identity_key(const secret_key& master) {
    ensure_sodium();
    unsigned char* bytes = static_cast<unsigned char*>(sodium_malloc(secret_key::size));
    if (!bytes) throw std::bad_alloc();
    crypto_kdf_derive_from_key(bytes, secret_key::size, identity_kdf_id, identity_kdf_context,
                               master.data());
    auto key = std::make_unique<secret_key>(bytes);
    sodium_free(bytes);
    return key;
}

std::string identity_ad(user_id user) { return "identity|" + std::to_string(user); }

audit_record identity_set(school_id school, user_id user, bool removed) {
    return {school,
            0,
            removed ? "identity.removed" : "identity.recorded",
            0,
            "user:" + std::to_string(user),
            "by=administrator"};
}

audit_record identity_revealed(const escalation& e, user_id counselor) {
    return {e.school,
            counselor,
            "identity.revealed",
            e.room,
            "user:" + std::to_string(e.sender),
            "escalation=" + std::to_string(e.id)};
}

}  // namespace detail
}  // namespace circles::storage

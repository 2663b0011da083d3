// A counselor's case handling on a connection: read a case (each read recorded), move it on
// and write notes, and see the real name of the student a case is about (each reveal
// recorded). Store calls run on the escalation pool; each answer hops back to the strand.
// Logs name ids and states; never a note, never a name.
#include <spdlog/spdlog.h>

#include "circles/rooms/frames.hpp"
#include "circles/storage/limits.hpp"
#include "escalation_notifier.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace {

constexpr const char* case_resolved_notice =
    "A counselor has followed up on a concern from this group. Thank you for looking out for "
    "each other.";

v1::ErrorCode case_error(const boost::system::error_code& ec) {
    if (ec == storage::errc::not_found) return v1::ERROR_CODE_ESCALATION_NOT_FOUND;
    if (ec == storage::errc::not_permitted) return v1::ERROR_CODE_FORBIDDEN;
    if (ec == storage::errc::invalid_argument) return v1::ERROR_CODE_INVALID_ARGUMENT;
    return v1::ERROR_CODE_INTERNAL;
}

std::string_view case_error_text(v1::ErrorCode code) {
    switch (code) {
        case v1::ERROR_CODE_ESCALATION_NOT_FOUND:
            return "there is no such escalation";
        case v1::ERROR_CODE_FORBIDDEN:
            return "only a counselor of the school works a case, and sees a name only once the "
                   "case is acknowledged";
        case v1::ERROR_CODE_INVALID_ARGUMENT:
            return "a resolved case does not change state again";
        default:
            return "something went wrong; nothing was changed";
    }
}

void fill_member(v1::Member& out, storage::user_id id, storage::store& store) {
    if (id == 0) return;
    if (auto u = store.get_user(id)) rooms::fill(out, rooms::member_of(*u));
}

// The case file: the escalation (counselor's view), its notes and who did what when.
storage::result<void> fill_case(v1::CaseFile& out, const storage::escalation& e,
                                storage::store& store) {
    auto notes = store.case_notes(e.id);
    if (!notes) return notes.error();
    fill_escalation(*out.mutable_escalation(), e, store);
    for (const auto& n : *notes) {
        auto* note = out.add_notes();
        note->set_note_id(static_cast<std::uint64_t>(n.id));
        fill_member(*note->mutable_author(), n.author, store);
        note->set_at_ms(static_cast<std::uint64_t>(n.created_at_ms));
        note->set_text(n.text);
    }
    fill_member(*out.mutable_acknowledged_by(), e.acknowledged_by, store);
    fill_member(*out.mutable_taken_by(), e.taken_by, store);
    out.set_taken_at_ms(static_cast<std::uint64_t>(e.taken_at_ms));
    fill_member(*out.mutable_resolved_by(), e.resolved_by, store);
    out.set_resolved_at_ms(static_cast<std::uint64_t>(e.resolved_at_ms));
    out.set_outcome(static_cast<v1::CaseOutcome>(e.outcome));
    return {};
}

bool known_outcome(v1::CaseOutcome o) {
    return o >= v1::CASE_OUTCOME_SUPPORTED_IN_SCHOOL && o <= v1::CASE_OUTCOME_NO_CONCERN;
}

}  // namespace

void websocket_session::work_case(std::uint64_t request_id,
                                  std::function<storage::result<v1::ServerFrame>()> work) {
    if (user_.user_role != storage::role::counselor) {
        return reply_error(request_id, v1::ERROR_CODE_FORBIDDEN,
                           case_error_text(v1::ERROR_CODE_FORBIDDEN));
    }
    net::post(state_->escalation_pool(),
              [self = shared_from_this(), request_id, work = std::move(work)] {
                  auto done = work();
                  auto frame = std::make_shared<v1::ServerFrame>();
                  v1::ErrorCode code = v1::ERROR_CODE_UNSPECIFIED;
                  if (done) {
                      *frame = std::move(*done);
                  } else {
                      code = case_error(done.error());
                      if (code == v1::ERROR_CODE_INTERNAL) {
                          spdlog::warn("case request by user={} failed: {}", self->user_.id,
                                       done.error().message());
                      }
                  }
                  net::post(self->ws_.get_executor(), [self, request_id, frame, code] {
                      if (code == v1::ERROR_CODE_UNSPECIFIED)
                          return self->reply(request_id, *frame);
                      self->reply_error(request_id, code, case_error_text(code));
                  });
              });
}

void websocket_session::on_get_case(std::uint64_t request_id, const v1::GetCase& req) {
    const auto id = static_cast<std::int64_t>(req.escalation_id());
    if (id <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "escalation_id is required");
    }
    work_case(request_id, [self = shared_from_this(), id]() -> storage::result<v1::ServerFrame> {
        auto& store = self->state_->store();
        auto e = store.get_escalation(id);
        if (!e) return e.error();
        if (e->school != self->user_.school) return storage::errc::not_permitted;
        // Recorded before the case is shown: no read of a case goes unrecorded.
        auto recorded =
            store.append_audit({e->school, self->user_.id, "case.viewed", e->room,
                                "escalation:" + std::to_string(id), "state=" + e->state});
        if (!recorded) return recorded.error();
        v1::ServerFrame out;
        if (auto filled = fill_case(*out.mutable_case_file(), *e, store); !filled) {
            return filled.error();
        }
        return out;
    });
}

void websocket_session::on_update_case(std::uint64_t request_id, const v1::UpdateCase& req) {
    const auto id = static_cast<std::int64_t>(req.escalation_id());
    const auto to = req.state();
    const bool resolving = to == v1::ESCALATION_STATE_RESOLVED;
    const bool moves = to == v1::ESCALATION_STATE_IN_PROGRESS || resolving;
    if (id <= 0 || (to != v1::ESCALATION_STATE_UNSPECIFIED && !moves)) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "escalation_id and a state of IN_PROGRESS, RESOLVED or none");
    }
    if (resolving != known_outcome(req.outcome()) ||
        (!resolving && req.outcome() != v1::CASE_OUTCOME_UNSPECIFIED)) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "a resolved case needs an outcome, and only a resolved case has one");
    }
    if (req.note().size() > storage::limits::max_case_note_bytes) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "a note may be at most 4000 bytes");
    }
    if (!moves && req.note().empty()) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "give a new state, a note, or both");
    }
    storage::case_update update{id, user_.id, moves ? state_name(to) : "",
                                static_cast<int>(req.outcome()), req.note()};
    work_case(request_id,
              [self = shared_from_this(),
               update = std::move(update)]() -> storage::result<v1::ServerFrame> {
                  auto& store = self->state_->store();
                  auto updated = store.update_case(update);
                  if (!updated) return updated.error();
                  const auto& e = updated->now;
                  // Told once, by the call that moved it (a second counselor's same move
                  // changes nothing).
                  if (updated->moved) {
                      spdlog::info("escalation {} {} by user={}", e.id, e.state, self->user_.id);
                      if (auto* n = self->state_->notifier()) n->changed(e);
                  }
                  if (updated->moved && e.state == "resolved") {
                      // The room's staff learn it was followed up, never how.
                      v1::ServerFrame told;
                      auto* r = told.mutable_case_resolved();
                      r->set_room_id(static_cast<std::uint64_t>(e.room));
                      r->set_escalation_id(static_cast<std::uint64_t>(e.id));
                      r->set_resolved_at_ms(static_cast<std::uint64_t>(e.resolved_at_ms));
                      r->set_notice(case_resolved_notice);
                      self->state_->rooms().publish_to_staff(e.room, told);
                  }
                  v1::ServerFrame out;
                  if (auto filled = fill_case(*out.mutable_case_file(), e, store); !filled) {
                      return filled.error();
                  }
                  return out;
              });
}

void websocket_session::on_reveal_identity(std::uint64_t request_id,
                                           const v1::RevealIdentity& req) {
    const auto id = static_cast<std::int64_t>(req.escalation_id());
    if (id <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "escalation_id is required");
    }
    work_case(request_id, [self = shared_from_this(), id]() -> storage::result<v1::ServerFrame> {
        auto& store = self->state_->store();
        auto name = store.reveal_identity(id, self->user_.id);
        if (!name) return name.error();
        auto e = store.get_escalation(id);
        if (!e) return e.error();
        spdlog::info("identity revealed escalation={} by user={}", id, self->user_.id);
        v1::ServerFrame out;
        auto* shown = out.mutable_identity_revealed();
        shown->set_escalation_id(static_cast<std::uint64_t>(id));
        fill_member(*shown->mutable_student(), e->sender, store);
        shown->set_real_name(*name);
        return out;
    });
}

}  // namespace circles::gateway

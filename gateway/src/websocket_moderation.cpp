// Facilitator actions on a connection: approve or remove a message, mute or remove a student,
// lock the room or set slow mode, each citing a ground rule of the agreement in force; and the
// staff's held queue and member list. Checks of the request's shape answer at once; store
// writes (each with its audit entry) run on the blocking pool, never on the strand.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "circles/rooms/frames.hpp"
#include "circles/storage/limits.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace {

// The citation as the store takes it, or the reason it is not one: the rule must be one of the
// ground rules in force, the reason 1-200 bytes on one line.
std::optional<storage::citation> cited(const v1::Citation& c, const moderation::policy& p,
                                       std::string& problem) {
    const auto& rules = p.ground_rules();
    const bool known = std::any_of(rules.begin(), rules.end(), [&](const auto& r) {
        return r.number > 0 && static_cast<std::uint32_t>(r.number) == c.ground_rule();
    });
    if (!known) {
        problem = "cite one of the room's ground rules (citation.ground_rule)";
        return std::nullopt;
    }
    storage::citation out{static_cast<int>(c.ground_rule()), c.reason()};
    if (!storage::valid_citation(out)) {
        problem = "give a short reason on one line, at most 200 bytes (citation.reason)";
        return std::nullopt;
    }
    return out;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr const char* actions_forbidden =
    "only the room's facilitators act on a room, and only on its students";

}  // namespace

void websocket_session::act(std::uint64_t request_id, storage::room_id room,
                            std::function<rooms::result<v1::ServerFrame>()> work,
                            const char* forbidden) {
    if (!forbidden) forbidden = actions_forbidden;
    net::post(state_->escalation_pool(), [self = shared_from_this(), request_id, room, forbidden,
                                          work = std::move(work)] {
        auto done = work();
        auto frame = std::make_shared<v1::ServerFrame>();
        boost::system::error_code ec;
        if (done) {
            *frame = std::move(*done);
        } else {
            ec = done.error();
        }
        net::post(self->ws_.get_executor(), [self, request_id, room, frame, ec, forbidden] {
            if (!ec) return self->reply(request_id, *frame);
            const auto code = to_error_code(ec);
            // A limit's own words say which limit (rooms_category); other codes say theirs.
            const std::string text = code == v1::ERROR_CODE_FORBIDDEN ? std::string(forbidden)
                                     : ec == rooms::errc::limit_reached
                                         ? ec.message()
                                         : std::string(error_text(code));
            self->reply_error(request_id, code, text, room);
        });
    });
}

void websocket_session::on_moderate_message(std::uint64_t request_id,
                                            const v1::ModerateMessage& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const auto decision = req.decision();
    if (room <= 0 || req.seq() == 0 ||
        (decision != v1::MESSAGE_DECISION_APPROVE && decision != v1::MESSAGE_DECISION_REMOVE)) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id, seq and a decision (APPROVE or REMOVE) are required", room);
    }
    std::string problem;
    auto why = cited(req.citation(), *state_->policy(), problem);
    if (!why) return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, problem, room);
    const auto to = decision == v1::MESSAGE_DECISION_APPROVE ? storage::message_status::visible
                                                             : storage::message_status::removed;
    act(request_id, room,
        [self = shared_from_this(), room, seq = req.seq(), to,
         why = *why]() -> rooms::result<v1::ServerFrame> {
            auto m = self->state_->rooms().moderate_message(self->user_, room, seq, to, why);
            if (!m) {
                // Approving a removed message is the one move a valid request can ask for
                // that the store refuses.
                return m.error();
            }
            spdlog::info("message {} room={} seq={} by user={} rule={}",
                         to == storage::message_status::visible ? "approved" : "removed", room, seq,
                         self->user_.id, why.ground_rule);
            v1::ServerFrame out;
            auto* done = out.mutable_moderated();
            done->set_room_id(static_cast<std::uint64_t>(room));
            done->set_seq(seq);
            done->set_status(m->status == storage::message_status::removed
                                 ? v1::MESSAGE_STATUS_REMOVED
                                 : v1::MESSAGE_STATUS_VISIBLE);
            done->set_ground_rule(static_cast<std::uint32_t>(why.ground_rule));
            return out;
        });
}

void websocket_session::on_mute_member(std::uint64_t request_id, const v1::MuteMember& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const auto target = static_cast<storage::user_id>(req.user_id());
    const auto max_seconds = storage::limits::max_mute.count();
    if (room <= 0 || target <= 0 || req.duration_seconds() > max_seconds) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id, user_id and a duration of 0-86400 seconds are required", room);
    }
    std::string problem;
    auto why = cited(req.citation(), *state_->policy(), problem);
    if (!why) return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, problem, room);
    const std::int64_t until =
        req.duration_seconds() == 0 ? 0 : now_ms() + std::int64_t{req.duration_seconds()} * 1000;
    act(request_id, room,
        [self = shared_from_this(), room, target, until,
         why = *why]() -> rooms::result<v1::ServerFrame> {
            auto who = self->state_->rooms().mute(self->user_, room, target, until, why);
            if (!who) return who.error();
            spdlog::info("member {} room={} user={} by user={} rule={}",
                         until ? "muted" : "unmuted", room, target, self->user_.id,
                         why.ground_rule);
            v1::ServerFrame out;
            auto* m = out.mutable_muted();
            m->set_room_id(static_cast<std::uint64_t>(room));
            rooms::fill(*m->mutable_member(), *who);
            m->set_until_ms(static_cast<std::uint64_t>(until));
            m->set_ground_rule(static_cast<std::uint32_t>(why.ground_rule));
            return out;
        });
}

void websocket_session::on_remove_member(std::uint64_t request_id, const v1::RemoveMember& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const auto target = static_cast<storage::user_id>(req.user_id());
    if (room <= 0 || target <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id and user_id are required", room);
    }
    std::string problem;
    auto why = cited(req.citation(), *state_->policy(), problem);
    if (!why) return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, problem, room);
    act(request_id, room,
        [self = shared_from_this(), room, target, why = *why]() -> rooms::result<v1::ServerFrame> {
            auto who = self->state_->rooms().expel(self->user_, room, target, why);
            if (!who) return who.error();
            spdlog::info("member removed room={} user={} by user={} rule={}", room, target,
                         self->user_.id, why.ground_rule);
            v1::ServerFrame out;
            auto* r = out.mutable_member_removed();
            r->set_room_id(static_cast<std::uint64_t>(room));
            rooms::fill(*r->mutable_member(), *who);
            r->set_ground_rule(static_cast<std::uint32_t>(why.ground_rule));
            return out;
        });
}

void websocket_session::on_set_room_controls(std::uint64_t request_id,
                                             const v1::SetRoomControls& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0 || req.slow_mode_seconds() > storage::limits::max_slow_mode.count()) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id and a slow mode of 0-3600 seconds are required", room);
    }
    std::string problem;
    auto why = cited(req.citation(), *state_->policy(), problem);
    if (!why) return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, problem, room);
    const storage::room_controls controls{req.locked(), static_cast<int>(req.slow_mode_seconds())};
    act(request_id, room,
        [self = shared_from_this(), room, controls,
         why = *why]() -> rooms::result<v1::ServerFrame> {
            auto set = self->state_->rooms().set_controls(self->user_, room, controls, why);
            if (!set) return set.error();
            spdlog::info("room controls room={} locked={} slow_mode={}s by user={} rule={}", room,
                         set->locked, set->slow_mode_seconds, self->user_.id, why.ground_rule);
            v1::ServerFrame out;
            auto* c = out.mutable_controls();
            rooms::fill(*c, room, *set);
            c->set_ground_rule(static_cast<std::uint32_t>(why.ground_rule));
            rooms::fill(*c->mutable_by(), rooms::member_of(self->user_));
            return out;
        });
}

void websocket_session::on_escalate_message(std::uint64_t request_id,
                                            const v1::EscalateMessage& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0 || req.seq() == 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id and seq are required", room);
    }
    act(request_id, room,
        [self = shared_from_this(), room, seq = req.seq()]() -> rooms::result<v1::ServerFrame> {
            auto r = self->state_->rooms().escalate_message(self->user_, room, seq);
            if (!r) return r.error();
            if (!r->duplicate) {
                spdlog::info("escalation {} raised room={} seq={} by user={}", r->escalation_id,
                             room, seq, self->user_.id);
                self->state_->escalation_opened(r->escalation_id);
            }
            v1::ServerFrame out;
            auto* e = out.mutable_escalation_raised();
            e->set_room_id(static_cast<std::uint64_t>(room));
            e->set_seq(seq);
            e->set_escalation_id(static_cast<std::uint64_t>(r->escalation_id));
            e->set_duplicate(r->duplicate);
            return out;
        });
}

void websocket_session::on_list_held(std::uint64_t request_id, const v1::ListHeld& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    auto held = state_->rooms().held(user_, room);
    if (!held) {
        const auto code = to_error_code(held.error());
        return reply_error(request_id, code, error_text(code), room);
    }
    v1::ServerFrame out;
    auto* list = out.mutable_held();
    list->set_room_id(req.room_id());
    for (const auto& m : *held) rooms::fill(*list->add_messages(), m);
    reply(request_id, out);
}

void websocket_session::on_list_members(std::uint64_t request_id, const v1::ListMembers& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    auto members = state_->rooms().members(user_, room);
    if (!members) {
        const auto code = to_error_code(members.error());
        return reply_error(request_id, code, error_text(code), room);
    }
    v1::ServerFrame out;
    auto* list = out.mutable_members();
    list->set_room_id(req.room_id());
    for (const auto& m : *members) {
        auto* info = list->add_members();
        rooms::fill(*info->mutable_member(), m.who);
        info->set_present(m.present);
        info->set_muted_until_ms(static_cast<std::uint64_t>(m.muted_until_ms));
    }
    reply(request_id, out);
}

}  // namespace circles::gateway

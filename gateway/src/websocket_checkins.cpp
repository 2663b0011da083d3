// Check-in rounds and the participation view on a connection: a facilitator starts a round,
// a student answers it, staff read who has been quiet. The store work runs on the blocking
// pool (act()). Logs name ids, never a mood or a word.
#include <spdlog/spdlog.h>

#include "circles/rooms/frames.hpp"
#include "circles/storage/limits.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace {

constexpr const char* checkin_forbidden =
    "facilitators start a check-in and students answer it; staff see the answers";

}  // namespace

void websocket_session::on_start_check_in(std::uint64_t request_id, const v1::StartCheckIn& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    act(
        request_id, room,
        [self = shared_from_this(), room]() -> rooms::result<v1::ServerFrame> {
            auto r = self->state_->rooms().start_checkin(self->user_, room);
            if (!r) return r.error();
            spdlog::info("check-in started room={} round={} by user={}", room, r->id,
                         self->user_.id);
            v1::ServerFrame out;
            const auto by = rooms::member_of(self->user_);
            rooms::fill(*out.mutable_check_in(), *r, &by);
            return out;
        },
        checkin_forbidden);
}

void websocket_session::on_answer_check_in(std::uint64_t request_id, const v1::AnswerCheckIn& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const bool mood_ok = req.mood() >= 1 && req.mood() <= 5;
    if (room <= 0 || req.round_id() == 0 ||
        (req.pass() ? req.mood() != 0 || !req.word().empty() : !mood_ok)) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id, round_id and a mood of 1-5 (or pass, with no mood or word)",
                           room);
    }
    if (req.word().size() > storage::limits::max_checkin_word_bytes) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "one word of at most 32 bytes", room);
    }
    storage::checkin_answer answer;
    answer.mood = static_cast<int>(req.mood());
    answer.passed = req.pass();
    answer.word = req.word();
    act(
        request_id, room,
        [self = shared_from_this(), room, round = static_cast<std::int64_t>(req.round_id()),
         answer = std::move(answer)]() -> rooms::result<v1::ServerFrame> {
            auto r = self->state_->rooms().answer_checkin(self->user_, room, round, answer);
            if (!r) return r.error();
            spdlog::info("check-in answered room={} round={} user={}", room, round, self->user_.id);
            v1::ServerFrame out;
            auto mine = answer;
            mine.user = self->user_.id;
            rooms::fill(*out.mutable_check_in_answer(), room, round, mine,
                        rooms::member_of(self->user_));
            return out;
        },
        checkin_forbidden);
}

void websocket_session::on_list_participation(std::uint64_t request_id,
                                              const v1::ListParticipation& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    act(
        request_id, room,
        [self = shared_from_this(), room]() -> rooms::result<v1::ServerFrame> {
            auto view = self->state_->rooms().participation(self->user_, room);
            if (!view) return view.error();
            v1::ServerFrame out;
            auto* p = out.mutable_participation();
            p->set_room_id(static_cast<std::uint64_t>(room));
            p->set_since_ms(static_cast<std::uint64_t>(view->since_ms));
            for (const auto& e : view->members) {
                auto* row = p->add_members();
                rooms::fill(*row->mutable_member(), e.who);
                row->set_messages(static_cast<std::uint32_t>(e.messages));
                row->set_share_percent(static_cast<std::uint32_t>(e.share_percent));
                row->set_last_spoke_ms(static_cast<std::uint64_t>(e.last_spoke_ms));
                row->set_present(e.present);
            }
            if (view->round.id != 0) rooms::fill(*p->mutable_round(), view->round, nullptr);
            for (const auto& a : view->answers) {
                rooms::fill(*p->add_answers(), room, view->round.id, a.answer, a.who);
            }
            return out;
        },
        "only the room's staff see participation");
}

}  // namespace circles::gateway

// A connection's escalation side: staff connections watch their school's channel; counselors
// list and acknowledge escalations. Store calls run on the escalation pool, and each answer
// hops back to the connection's strand.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "circles/rooms/frames.hpp"
#include "circles/storage/limits.hpp"
#include "escalation_notifier.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {
namespace {

constexpr std::size_t default_escalation_page = 100;

}  // namespace

// Every connection but a student's may be on its school's contact list, so it watches the
// school's channel; what it is shown is decided per event in on_school_event.
void websocket_session::watch_school() {
    if (user_.user_role == storage::role::student || watching_school_) return;
    watching_school_ = true;
    state_->rooms().watch_school(user_.school, shared_from_this());
}

void websocket_session::on_school_event(const rooms::room_event& ev) {
    if (!watching_school_ || !ev.frame || ev.room != rooms::service::school_channel(user_.school)) {
        return;
    }
    if (user_.user_role == storage::role::counselor) return enqueue(ev.frame);
    v1::ServerFrame frame;
    if (!frame.ParseFromString(*ev.frame)) return;
    // "I need to talk" reaches the facilitators of that room (and counselors, above) only.
    if (frame.has_need_to_talk()) {
        if (user_.user_role != storage::role::facilitator) return;
        const auto room = static_cast<storage::room_id>(frame.need_to_talk().room_id());
        if (auto member = state_->store().is_member(room, user_.id); member && *member) {
            enqueue(ev.frame);
        }
        return;
    }
    // Anyone else sees a page only when it is for them, and without text or sender.
    if (!frame.has_escalation()) return;
    const auto& to = frame.escalation().paged_user_ids();
    if (std::find(to.begin(), to.end(), static_cast<std::uint64_t>(user_.id)) == to.end()) return;
    redact(*frame.mutable_escalation()->mutable_escalation());
    enqueue(rooms::encode(frame));
}

void websocket_session::on_list_escalations(std::uint64_t request_id,
                                            const v1::ListEscalations& req) {
    if (user_.user_role != storage::role::counselor) {
        return reply_error(request_id, v1::ERROR_CODE_FORBIDDEN,
                           "only counselors see the escalation list");
    }
    const std::size_t limit =
        req.limit() == 0 ? default_escalation_page
                         : std::min<std::size_t>(req.limit(), storage::limits::max_page_messages);
    net::post(state_->escalation_pool(), [self = shared_from_this(), request_id, limit,
                                          state = std::string(state_name(req.state()))] {
        auto& store = self->state_->store();
        auto list = store.escalations(self->user_.school, state, limit);
        auto frame = std::make_shared<v1::ServerFrame>();
        // A counselor reading the school's cases is recorded before they are shown.
        if (list &&
            !store.append_audit({self->user_.school, self->user_.id, "escalations.listed", 0,
                                 "school:" + std::to_string(self->user_.school),
                                 "state=" + state + " count=" + std::to_string(list->size())})) {
            list = storage::result<std::vector<storage::escalation>>(boost::system::in_place_error,
                                                                     storage::errc::io_error);
        }
        if (list) {
            auto* out = frame->mutable_escalations();
            for (const auto& e : *list) fill_escalation(*out->add_escalations(), e, store);
        }
        net::post(self->ws_.get_executor(), [self, request_id, frame, ok = bool(list)] {
            if (!ok) {
                return self->reply_error(request_id, v1::ERROR_CODE_INTERNAL,
                                         "could not list escalations");
            }
            self->reply(request_id, *frame);
        });
    });
}

void websocket_session::on_ack_escalation(std::uint64_t request_id, const v1::AckEscalation& req) {
    if (user_.user_role != storage::role::counselor) {
        return reply_error(request_id, v1::ERROR_CODE_FORBIDDEN,
                           "only a counselor of the school acknowledges an escalation");
    }
    const auto id = static_cast<std::int64_t>(req.escalation_id());
    if (id <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "escalation_id is required");
    }
    net::post(state_->escalation_pool(), [self = shared_from_this(), request_id, id] {
        auto& store = self->state_->store();
        auto acked = store.acknowledge_escalation(id, self->user_.id);
        auto frame = std::make_shared<v1::ServerFrame>();
        v1::ErrorCode code = v1::ERROR_CODE_UNSPECIFIED;
        if (acked) {
            fill_escalation(*frame->mutable_escalation_acked()->mutable_escalation(), *acked,
                            store);
            spdlog::info("escalation {} acknowledged by user={}", id, self->user_.id);
            if (auto* n = self->state_->notifier()) n->changed(*acked);
        } else if (acked.error() == storage::errc::not_found) {
            code = v1::ERROR_CODE_ESCALATION_NOT_FOUND;
        } else if (acked.error() == storage::errc::not_permitted) {
            code = v1::ERROR_CODE_FORBIDDEN;
        } else {
            spdlog::warn("escalation {} ack failed: {}", id, acked.error().message());
            code = v1::ERROR_CODE_INTERNAL;
        }
        net::post(self->ws_.get_executor(), [self, request_id, frame, code] {
            switch (code) {
                case v1::ERROR_CODE_UNSPECIFIED:
                    return self->reply(request_id, *frame);
                case v1::ERROR_CODE_ESCALATION_NOT_FOUND:
                    return self->reply_error(request_id, code, "there is no such escalation");
                case v1::ERROR_CODE_FORBIDDEN:
                    return self->reply_error(
                        request_id, code,
                        "only a counselor of the school acknowledges an escalation");
                default:
                    return self->reply_error(request_id, code,
                                             "something went wrong; it was not acknowledged");
            }
        });
    });
}

}  // namespace circles::gateway

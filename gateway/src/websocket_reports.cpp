// Peer reports on a connection: a student reports a message, staff list and settle reports,
// a student lists their own. Checks of the request's shape answer at once; the store work
// runs on the blocking pool. Logs name ids and the category, never the message or the note.
#include <spdlog/spdlog.h>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/visibility.hpp"
#include "circles/storage/limits.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace {

constexpr const char* report_thanks =
    "Thank you for telling us. A facilitator will look at it. Nobody in the room knows you "
    "reported it.";
constexpr const char* report_thanks_safety =
    "Thank you for telling us. A facilitator and a counselor will look at it. Nobody in the "
    "room knows you reported it. If someone is in danger right now, tell a trusted adult.";
constexpr const char* reports_forbidden =
    "students report messages; facilitators settle reports with their own tools";

bool known(v1::ReportCategory c) {
    return c == v1::REPORT_CATEGORY_UNKIND || c == v1::REPORT_CATEGORY_PRIVACY ||
           c == v1::REPORT_CATEGORY_SAFETY || c == v1::REPORT_CATEGORY_OTHER;
}

}  // namespace

void websocket_session::on_report_message(std::uint64_t request_id, const v1::ReportMessage& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0 || req.seq() == 0 || !known(req.category())) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id, seq and a category are required", room);
    }
    if (req.note().size() > storage::limits::max_report_note_bytes) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "the note may be at most 300 bytes", room);
    }
    const auto category = static_cast<storage::report_category>(req.category());
    act(
        request_id, room,
        [self = shared_from_this(), room, seq = req.seq(), category,
         note = req.note()]() mutable -> rooms::result<v1::ServerFrame> {
            auto filed = self->state_->rooms().file_report(self->user_, room, seq, category,
                                                           std::move(note));
            if (!filed) return filed.error();
            const auto& r = filed->report;
            if (!filed->duplicate) {
                spdlog::info("report filed room={} seq={} report={} category={} escalation={}",
                             room, seq, r.id, storage::to_string(r.category), r.escalation_id);
                if (r.escalation_id) self->state_->escalation_opened(r.escalation_id);
            }
            v1::ServerFrame out;
            auto* ack = out.mutable_report_ack();
            rooms::fill(*ack->mutable_report(), *filed, false);
            ack->set_duplicate(filed->duplicate);
            ack->set_confirmation(category == storage::report_category::safety
                                      ? report_thanks_safety
                                      : report_thanks);
            return out;
        },
        reports_forbidden);
}

void websocket_session::on_list_reports(std::uint64_t request_id, const v1::ListReports& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    act(request_id, room, [self = shared_from_this(), room]() -> rooms::result<v1::ServerFrame> {
        auto listed = self->state_->rooms().reports(self->user_, room);
        if (!listed) return listed.error();
        const bool staff = rooms::moderates(self->user_.user_role);
        v1::ServerFrame out;
        auto* list = out.mutable_reports();
        list->set_room_id(static_cast<std::uint64_t>(room));
        for (const auto& r : *listed) rooms::fill(*list->add_reports(), r, staff);
        return out;
    });
}

void websocket_session::on_handle_report(std::uint64_t request_id, const v1::HandleReport& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const auto outcome = req.outcome();
    if (room <= 0 || req.report_id() == 0 ||
        (outcome != v1::REPORT_STATE_DISMISSED && outcome != v1::REPORT_STATE_ACTIONED)) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id, report_id and an outcome (DISMISSED or ACTIONED) are required",
                           room);
    }
    const auto to = static_cast<storage::report_state>(outcome);
    act(request_id, room,
        [self = shared_from_this(), room, id = static_cast<std::int64_t>(req.report_id()),
         to]() -> rooms::result<v1::ServerFrame> {
            auto settled = self->state_->rooms().handle_report(self->user_, room, id, to);
            if (!settled) return settled.error();
            spdlog::info("report {} room={} report={} by user={}",
                         storage::to_string(settled->report.state), room, id, self->user_.id);
            v1::ServerFrame out;
            rooms::fill(*out.mutable_report_handled()->mutable_report(), *settled, true);
            return out;
        });
}

}  // namespace circles::gateway

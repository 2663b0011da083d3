// Peer reports: a student reports a message someone else wrote, the room's facilitators
// settle it, and the reporter hears the outcome. Nobody in the room is told who reported:
// the reporter travels in no frame, and the bus events carry them only to route. Also the
// escalations about a room message that a safety report or a facilitator raises.
#include <future>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/service.hpp"
#include "circles/rooms/visibility.hpp"
#include "store_calls.hpp"

namespace circles::rooms {

using detail::from_store;

result<storage::append_result> service::escalate_about(const storage::stored_message& m,
                                                       storage::escalation_source source,
                                                       const std::string& category,
                                                       std::string key) {
    // Kept out of the room (it is there already), about the message: its author is the one
    // who may be at risk, its text what the counselor reads, its seq where their context ends.
    storage::append_request req;
    req.room = m.room;
    req.sender = m.sender;
    req.client_msg_id = std::move(key);
    req.text = m.text;
    req.escalation = storage::escalation_request{source, {category}, storage::to_string(source)};
    req.into_room = false;
    req.about_seq = m.seq;
    std::promise<storage::result<storage::append_result>> stored;
    auto done = stored.get_future();
    store_.append(std::move(req), [&stored](storage::result<storage::append_result> r) {
        stored.set_value(std::move(r));
    });
    return done.get();
}

result<service::raised> service::escalate_message(const storage::user& u, storage::room_id room,
                                                  storage::seq_t seq) {
    if (auto ok = authorize_staff(u, room, acting::facilitator); !ok) return ok.error();
    auto m = message_at(room, seq);
    if (!m) return m.error();
    if (m->status == storage::message_status::removed) return errc::message_not_found;
    // One per message, whichever facilitator raises it.
    auto r = escalate_about(*m, storage::escalation_source::facilitator, "facilitator_concern",
                            "facilitator:" + std::to_string(seq));
    if (!r) return from_store(r.error(), errc::message_not_found);
    return raised{r->escalation_id, r->duplicate};
}

result<storage::stored_message> service::message_at(storage::room_id room, storage::seq_t seq) {
    auto page = store_.history(room, seq + 1, 1);
    if (!page) return errc::store_unavailable;
    if (page->messages.empty() || page->messages.back().seq != seq) {
        return errc::message_not_found;
    }
    return std::move(page->messages.back());
}

result<report_view> service::file_report(const storage::user& u, storage::room_id room,
                                         storage::seq_t seq, storage::report_category category,
                                         std::string note) {
    if (auto ok = authorize(u, room); !ok) return ok.error();
    if (u.user_role != storage::role::student) return errc::forbidden;
    if (seq == 0) return errc::invalid_argument;
    auto m = message_at(room, seq);
    if (!m) return m.error();
    if (m->status != storage::message_status::visible) return errc::message_not_found;
    if (m->sender == u.id) return errc::invalid_argument;

    storage::report_request req{room, seq, u.id, category, std::move(note), 0};
    if (!storage::valid_report(req)) return errc::invalid_argument;
    if (category == storage::report_category::safety) {
        // Durable before anyone hears of the report: the counselor's record comes first. One
        // escalation per report: a retried report finds it again by its key.
        auto r = escalate_about(*m, storage::escalation_source::peer_report, "peer_concern",
                                "report:" + std::to_string(u.id) + ":" + std::to_string(seq));
        if (!r) return from_store(r.error(), errc::message_not_found);
        req.escalation_id = r->escalation_id;
    }
    auto filed = store_.file_report(req);
    if (!filed) return from_store(filed.error(), errc::message_not_found);
    report_view out{std::move(filed->filed), std::move(*m), filed->duplicate};
    if (!out.duplicate) {
        v1::ServerFrame frame;
        fill(*frame.mutable_report_filed()->mutable_report(), out, true);
        publish_to_staff(room, frame);
    }
    return out;
}

result<std::vector<report_view>> service::reports(const storage::user& u, storage::room_id room) {
    if (auto ok = authorize(u, room); !ok) return ok.error();
    const bool staff = moderates(u.user_role);
    auto rows = store_.reports_of(room, staff ? 0 : u.id);
    if (!rows) return errc::store_unavailable;
    std::vector<report_view> out;
    out.reserve(rows->size());
    for (auto& r : *rows) {
        auto m = message_at(room, r.seq);
        if (!m) return m.error();
        out.push_back({std::move(r), std::move(*m), false});
    }
    return out;
}

result<report_view> service::handle_report(const storage::user& u, storage::room_id room,
                                           std::int64_t id, storage::report_state to) {
    if (auto ok = authorize_staff(u, room, acting::facilitator); !ok) return ok.error();
    auto settled = store_.handle_report(room, id, to, u.id);
    if (!settled) return from_store(settled.error(), errc::report_not_found);
    auto m = message_at(room, settled->settled.seq);
    if (!m) return m.error();
    report_view out{std::move(settled->settled), std::move(*m), false};
    if (settled->changed) publish_handled(out);
    return out;
}

void service::publish_handled(const report_view& r) {
    v1::ServerFrame frame;
    auto* handled = frame.mutable_report_handled();
    fill(*handled->mutable_report(), r, false);
    handled->set_notice(r.report.state == storage::report_state::actioned
                            ? "A facilitator looked at the message you reported and removed it. "
                              "Thank you for speaking up."
                            : "A facilitator looked at the message you reported and left it "
                              "up. Thank you for speaking up; you can always talk to them.");
    // For the reporter and the room's staff, like a student's own held message.
    publish_about(r.report.room, frame, r.report.reporter, storage::message_status::held);
}

void service::settle_reports(const storage::user& u, storage::room_id room, storage::seq_t seq) {
    auto settled = store_.settle_reports_on(room, seq, u.id);
    if (!settled) return;  // they stay open in the queue; the facilitator settles them there
    if (settled->empty()) return;
    auto m = message_at(room, seq);
    if (!m) return;
    for (auto& r : *settled) publish_handled({std::move(r), *m, false});
}

}  // namespace circles::rooms

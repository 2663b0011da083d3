#include "escalation_notifier.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/presence.hpp"

namespace circles::gateway {
v1::EscalationState state_of(std::string_view s) {
    if (s == "open") return v1::ESCALATION_STATE_OPEN;
    if (s == "acknowledged") return v1::ESCALATION_STATE_ACKNOWLEDGED;
    if (s == "in_progress") return v1::ESCALATION_STATE_IN_PROGRESS;
    if (s == "resolved") return v1::ESCALATION_STATE_RESOLVED;
    return v1::ESCALATION_STATE_UNSPECIFIED;
}

const char* state_name(v1::EscalationState s) {
    switch (s) {
        case v1::ESCALATION_STATE_ACKNOWLEDGED:
            return "acknowledged";
        case v1::ESCALATION_STATE_IN_PROGRESS:
            return "in_progress";
        case v1::ESCALATION_STATE_RESOLVED:
            return "resolved";
        default:
            return "open";
    }
}

void fill_escalation(v1::Escalation& out, const storage::escalation& e, storage::store& store) {
    out.set_escalation_id(static_cast<std::uint64_t>(e.id));
    out.set_room_id(static_cast<std::uint64_t>(e.room));
    if (auto room = store.get_room(e.room)) out.set_room_name(room->name);
    for (const auto& c : e.categories) out.add_categories(c);
    out.set_source(static_cast<v1::EscalationSource>(static_cast<int>(e.source)));
    out.set_created_at_ms(static_cast<std::uint64_t>(e.created_at_ms));
    out.set_deadline_ms(static_cast<std::uint64_t>(e.next_page_at_ms));
    out.set_page_level(static_cast<std::uint32_t>(e.page_level));
    out.set_state(state_of(e.state));
    out.set_acknowledged_by(static_cast<std::uint64_t>(e.acknowledged_by));
    out.set_acknowledged_at_ms(static_cast<std::uint64_t>(e.acknowledged_at_ms));
    out.set_resolved_at_ms(static_cast<std::uint64_t>(e.resolved_at_ms));
    out.set_outcome(static_cast<v1::CaseOutcome>(e.outcome));
    out.set_text(e.text);
    if (auto sender = store.get_user(e.sender)) {
        rooms::fill(*out.mutable_sender(), rooms::member_of(*sender));
    }
    fill_context(out, e, store);
}

void fill_context(v1::Escalation& out, const storage::escalation& e, storage::store& store) {
    // A message in the room: the page before its seq. One kept out of the room (seq 0): the
    // newest page, less what came after the escalation.
    auto page = store.history(e.room, e.seq, e.seq == 0 ? 2 * context_messages : context_messages);
    if (!page) {
        spdlog::warn("escalation {}: context unreadable: {}", e.id, page.error().message());
        return;
    }
    auto& messages = page->messages;
    if (e.seq == 0) {
        std::erase_if(messages, [&](const storage::stored_message& m) {
            return m.created_at_ms > e.created_at_ms;
        });
    }
    const auto first = messages.size() > context_messages ? messages.size() - context_messages : 0;
    for (std::size_t i = first; i < messages.size(); ++i) {
        rooms::fill(*out.add_context(), messages[i]);
    }
}

void redact(v1::Escalation& e) {
    e.clear_text();
    e.clear_sender();
    e.clear_context();
    e.clear_outcome();
}

std::string webhook_json(const storage::escalation& e) {
    boost::json::object o;
    o["event"] = "escalation.paged";
    o["escalation_id"] = e.id;
    o["school_id"] = e.school;
    o["room_id"] = e.room;
    o["page_level"] = e.page_level;
    o["deadline_ms"] = e.next_page_at_ms;
    o["created_at_ms"] = e.created_at_ms;
    return boost::json::serialize(o);
}

escalation_notifier::escalation_notifier(storage::store& store, rooms::service& rooms,
                                         std::shared_ptr<webhook_client> webhooks)
    : store_(store), rooms_(rooms), webhooks_(std::move(webhooks)) {}

void escalation_notifier::notify(const moderation::page& p) {
    v1::ServerFrame frame;
    auto* ev = frame.mutable_escalation();
    // The full view travels on the bus; each receiving connection redacts it for a viewer
    // who is not a counselor (websocket_session::on_school_event).
    fill_escalation(*ev->mutable_escalation(), p.escalation, store_);
    for (const auto id : p.to) ev->add_paged_user_ids(static_cast<std::uint64_t>(id));
    rooms_.publish_to_school(p.escalation.school, rooms::encode(frame));
    spdlog::info("escalation {} paged level={} contacts={} webhook={}", p.escalation.id,
                 p.escalation.page_level, p.to.size(), p.webhook_url.empty() ? "no" : "yes");
    if (!p.webhook_url.empty()) webhooks_->post(p.webhook_url, webhook_json(p.escalation));
}

void escalation_notifier::retry_failed() { webhooks_->retry_failed(); }

void escalation_notifier::changed(const storage::escalation& e) {
    v1::ServerFrame frame;
    fill_escalation(*frame.mutable_escalation()->mutable_escalation(), e, store_);
    rooms_.publish_to_school(e.school, rooms::encode(frame));
}

}  // namespace circles::gateway

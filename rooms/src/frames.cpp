#include "circles/rooms/frames.hpp"

#include <google/protobuf/io/coded_stream.h>

#include "circles/rooms/service.hpp"

namespace circles::rooms {

v1::Role to_proto(storage::role r) noexcept {
    switch (r) {
        case storage::role::student:
            return v1::ROLE_STUDENT;
        case storage::role::facilitator:
            return v1::ROLE_FACILITATOR;
        case storage::role::counselor:
            return v1::ROLE_COUNSELOR;
        case storage::role::admin:
            return v1::ROLE_ADMIN;
    }
    return v1::ROLE_UNSPECIFIED;
}

namespace {
v1::MessageStatus to_proto(storage::message_status s) noexcept {
    switch (s) {
        case storage::message_status::visible:
            return v1::MESSAGE_STATUS_VISIBLE;
        case storage::message_status::held:
            return v1::MESSAGE_STATUS_HELD;
        case storage::message_status::removed:
            return v1::MESSAGE_STATUS_REMOVED;
    }
    return v1::MESSAGE_STATUS_UNSPECIFIED;
}
}  // namespace

void fill(v1::Member& out, const member& m) {
    out.set_user_id(static_cast<std::uint64_t>(m.id));
    out.set_display_name(m.display_name);
    out.set_role(to_proto(m.user_role));
}

void fill(v1::Room& out, const storage::room& r) {
    out.set_room_id(static_cast<std::uint64_t>(r.id));
    out.set_name(r.name);
    out.set_kind(r.kind);
    out.set_epoch(r.epoch);
    out.set_last_seq(r.last_seq);
}

void fill(v1::MessageEvent& out, const storage::stored_message& m) {
    out.set_room_id(static_cast<std::uint64_t>(m.room));
    out.set_seq(m.seq);
    out.set_epoch(m.epoch);
    fill(*out.mutable_sender(), member{m.sender, m.sender_display_name, m.sender_role});
    // A removed message keeps its place in the sequence but never carries its text.
    if (m.status != storage::message_status::removed) out.set_text(m.text);
    out.set_sent_at_ms(static_cast<std::uint64_t>(m.created_at_ms));
    out.set_client_msg_id(m.client_msg_id);
    out.set_status(to_proto(m.status));
}

void fill(v1::Report& out, const report_view& r, bool for_staff) {
    out.set_report_id(static_cast<std::uint64_t>(r.report.id));
    out.set_room_id(static_cast<std::uint64_t>(r.report.room));
    fill(*out.mutable_message(), r.message);
    out.set_category(static_cast<v1::ReportCategory>(r.report.category));
    out.set_note(r.report.note);
    out.set_created_at_ms(static_cast<std::uint64_t>(r.report.created_at_ms));
    out.set_state(static_cast<v1::ReportState>(r.report.state));
    out.set_handled_at_ms(static_cast<std::uint64_t>(r.report.handled_at_ms));
    if (for_staff) out.set_escalation_id(static_cast<std::uint64_t>(r.report.escalation_id));
}

void fill(v1::CheckInRound& out, const storage::checkin_round& r, const member* started_by) {
    out.set_room_id(static_cast<std::uint64_t>(r.room));
    out.set_round_id(static_cast<std::uint64_t>(r.id));
    if (started_by) fill(*out.mutable_started_by(), *started_by);
    out.set_started_at_ms(static_cast<std::uint64_t>(r.started_at_ms));
    out.set_answered(static_cast<std::uint32_t>(r.answered));
    out.set_passed(static_cast<std::uint32_t>(r.passed));
}

void fill(v1::CheckInAnswer& out, storage::room_id room, std::int64_t round,
          const storage::checkin_answer& a, const member& who) {
    out.set_room_id(static_cast<std::uint64_t>(room));
    out.set_round_id(static_cast<std::uint64_t>(round));
    fill(*out.mutable_member(), who);
    out.set_mood(static_cast<std::uint32_t>(a.mood));
    out.set_word(a.word);
    out.set_passed(a.passed);
    out.set_at_ms(static_cast<std::uint64_t>(a.answered_at_ms));
}

void fill(v1::SessionState& out, const session_view& v) {
    out.set_room_id(static_cast<std::uint64_t>(v.room));
    out.set_open(v.session.open());
    out.set_opened_at_ms(static_cast<std::uint64_t>(v.session.opened_at_ms));
    if (v.opened_by) fill(*out.mutable_opened_by(), *v.opened_by);
    out.set_facilitator_present(v.facilitator_present);
    out.set_live(v.live());
    out.set_required(v.required);
    out.set_time_zone(v.schedule.time_zone);
    for (const auto& s : v.schedule.slots) {
        auto* slot = out.add_schedule();
        slot->set_weekday(static_cast<std::uint32_t>(s.weekday));
        slot->set_start_minute(static_cast<std::uint32_t>(s.start_minute));
        slot->set_duration_minutes(static_cast<std::uint32_t>(s.duration_minutes));
    }
}

void fill(v1::RoomControls& out, storage::room_id room, const storage::room_controls& c) {
    out.set_room_id(static_cast<std::uint64_t>(room));
    out.set_locked(c.locked);
    out.set_slow_mode_seconds(static_cast<std::uint32_t>(c.slow_mode_seconds));
}

std::shared_ptr<const std::string> encode(const v1::ServerFrame& frame) {
    auto out = std::make_shared<std::string>();
    frame.SerializeToString(out.get());
    return out;
}

namespace {

using coded = google::protobuf::io::CodedOutputStream;

// A length-delimited field's tag (wire type 2).
constexpr std::uint32_t bytes_tag(int field) noexcept {
    return (static_cast<std::uint32_t>(field) << 3) | 2u;
}

}  // namespace

std::size_t batch_element_bytes(std::size_t frame_bytes) noexcept {
    return coded::VarintSize32(bytes_tag(v1::FrameBatch::kFramesFieldNumber)) +
           coded::VarintSize32(static_cast<std::uint32_t>(frame_bytes)) + frame_bytes;
}

void encode_batch(std::string& out, std::span<const std::string_view> frames) {
    std::size_t payload = 0;
    for (auto f : frames) payload += batch_element_bytes(f.size());
    const auto outer_tag = bytes_tag(v1::ServerFrame::kBatchFieldNumber);
    out.resize(coded::VarintSize32(outer_tag) +
               coded::VarintSize32(static_cast<std::uint32_t>(payload)) + payload);
    auto* p = reinterpret_cast<std::uint8_t*>(out.data());
    p = coded::WriteVarint32ToArray(outer_tag, p);
    p = coded::WriteVarint32ToArray(static_cast<std::uint32_t>(payload), p);
    for (auto f : frames) {
        p = coded::WriteVarint32ToArray(bytes_tag(v1::FrameBatch::kFramesFieldNumber), p);
        p = coded::WriteVarint32ToArray(static_cast<std::uint32_t>(f.size()), p);
        p = coded::WriteRawToArray(f.data(), static_cast<int>(f.size()), p);
    }
}

}  // namespace circles::rooms

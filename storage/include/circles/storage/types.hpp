#pragma once
// Plain rows of the store. Ids are positive 64-bit integers; 0 means "none".
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace circles::storage {

using school_id = std::int64_t;
using user_id = std::int64_t;
using room_id = std::int64_t;
using seq_t = std::uint64_t;

enum class role { student = 1, facilitator = 2, counselor = 3, admin = 4 };

// "student", "facilitator", ... and back; parse returns nullopt for anything else.
const char* to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view s) noexcept;

enum class message_status { visible = 1, held = 2, removed = 3 };

struct school {
    school_id id = 0;
    std::string slug;  // short unique name, e.g. "maple-grove"
    std::string name;
};

struct user {
    user_id id = 0;
    school_id school = 0;
    std::string username;      // login name; never shown to other students
    std::string display_name;  // per-school pseudonym, unique within the school
    role user_role = role::student;
};

// A login: whose it is and when it ends (a WebSocket open at that moment is closed).
struct session {
    user who;
    std::chrono::system_clock::time_point expires_at;
};

// Well-known room kinds; a kind is stored as its string so schools may add their own.
namespace room_kind {
inline constexpr const char* peer_network = "peer_network";
inline constexpr const char* social_group = "social_group";
inline constexpr const char* gsa = "gsa";
inline constexpr const char* social_justice = "social_justice";
}  // namespace room_kind

struct room {
    room_id id = 0;
    school_id school = 0;
    std::string name;
    std::string kind;
    std::uint64_t epoch = 1;  // bumped when history can no longer be replayed (e.g. erasure)
    seq_t last_seq = 0;       // highest committed seq
};

// A room and whether one user belongs to it: what every send checks, in one read.
struct room_membership {
    room r;
    bool member = false;
};

struct stored_message {
    room_id room = 0;
    seq_t seq = 0;
    std::uint64_t epoch = 1;
    user_id sender = 0;
    std::string sender_display_name;
    role sender_role = role::student;
    std::string client_msg_id;
    std::string text;  // decrypted plaintext
    message_status status = message_status::visible;
    std::int64_t created_at_ms = 0;  // Unix milliseconds at commit
};

// Where an escalation came from.
enum class escalation_source { risk_rule = 1, peer_report = 2, need_to_talk = 3, facilitator = 4 };
const char* to_string(escalation_source s) noexcept;

// A sign of risk that a counselor must see. Stored in the same commit as its message, so a
// disclosure is durable before the sender hears anything back.
struct escalation_request {
    escalation_source source = escalation_source::risk_rule;
    std::vector<std::string> categories;  // e.g. "self_harm"
    std::string rule_id;                  // the rule that fired, if any
};

struct append_request {
    room_id room = 0;
    user_id sender = 0;
    std::string client_msg_id;  // idempotency key, unique per (room, sender)
    std::string text;
    message_status status = message_status::visible;
    // With an escalation the text is also sealed into the escalation record.
    std::optional<escalation_request> escalation;
    // False for a message a ground rule keeps out of the room entirely (a block): only the
    // escalation is stored, no seq is taken. Requires `escalation`.
    bool into_room = true;
    // With into_room false: the room message the escalation is about (a peer report of it),
    // 0 for none. The escalation's seq, so a counselor sees what was said before it.
    seq_t about_seq = 0;
};

struct append_result {
    seq_t seq = 0;  // 0 when the message did not go into the room
    std::uint64_t epoch = 1;
    std::int64_t created_at_ms = 0;
    bool duplicate = false;          // the (room, sender, client_msg_id) was stored before
    std::int64_t escalation_id = 0;  // the escalation stored with it, if any
};

struct escalation {
    std::int64_t id = 0;
    school_id school = 0;
    room_id room = 0;
    user_id sender = 0;
    seq_t seq = 0;  // the room message, 0 when it was kept out of the room
    escalation_source source = escalation_source::risk_rule;
    std::vector<std::string> categories;
    std::string rule_id;
    std::string text;   // the triggering text, decrypted; for counselors only
    std::string state;  // "open", later "acknowledged", "in_progress", "resolved"
    std::int64_t created_at_ms = 0;
    // Paging (see escalation_settings): the contact level paged last, and when it is paged
    // again (Unix ms) unless acknowledged first. Stored, so a restart keeps the timer.
    int page_level = 0;
    std::int64_t next_page_at_ms = 0;
    user_id acknowledged_by = 0;  // 0 until acknowledged
    std::int64_t acknowledged_at_ms = 0;
    // Case handling: who took it (in_progress) and when; who resolved it, when and how.
    user_id taken_by = 0;
    std::int64_t taken_at_ms = 0;
    user_id resolved_by = 0;
    std::int64_t resolved_at_ms = 0;
    int outcome = 0;  // 1-5 (case_outcome) once resolved
};

// How a counselor closed a case (circles.v1.CaseOutcome).
enum class case_outcome {
    supported_in_school = 1,
    referred = 2,
    guardian_contacted = 3,
    emergency_services = 4,
    no_concern = 5
};
const char* to_string(case_outcome o) noexcept;

// A counselor moves a case on and/or adds a note to it. `to`: "" keeps the state (a note
// alone), "in_progress" takes it (acknowledging it when open), "resolved" closes it with
// `outcome`.
struct case_update {
    std::int64_t escalation_id = 0;
    user_id counselor = 0;
    std::string to;
    int outcome = 0;
    std::string note;  // "" for none; at most limits::max_case_note_bytes
};

// What update_case did: the escalation as it is now, and whether its state moved (false for a
// note alone, or a move to the state it was in already, perhaps by another counselor).
struct updated_case {
    escalation now;
    bool moved = false;
};

struct case_note {
    std::int64_t id = 0;
    std::int64_t escalation_id = 0;
    user_id author = 0;
    std::string text;  // decrypted
    std::int64_t created_at_ms = 0;
};

// How a school's escalations are paged. Level 0 of `contacts` is the on-duty counselors; an
// escalation nobody acknowledges within the deadline goes to the next level, and the last
// level is paged again at every further deadline.
struct escalation_settings {
    school_id school = 0;
    std::int64_t ack_deadline_ms = 300'000;
    std::string webhook_url;                     // "" for none; else http://host[:port]/path
    std::vector<std::vector<user_id>> contacts;  // levels, level 0 first
};

// A facilitated session of a room. Students may post only while one is open (and a
// facilitator is present, which presence knows, not the store).
struct room_session {
    std::int64_t id = 0;  // 0: no session is open
    user_id opened_by = 0;
    std::int64_t opened_at_ms = 0;
    bool open() const noexcept { return id != 0; }
};

// One weekly meeting of a room, in the room's time zone.
struct weekly_slot {
    int weekday = 1;           // 1 = Monday ... 7 = Sunday (ISO 8601)
    int start_minute = 0;      // minutes after local midnight, 0-1439
    int duration_minutes = 0;  // 1-720
    friend bool operator==(const weekly_slot&, const weekly_slot&) = default;
};

inline constexpr std::size_t max_schedule_slots = 28;

// When a room meets: shown to students outside a session ("next session Tuesday 12:10").
struct room_schedule {
    std::string time_zone = "UTC";   // an IANA name ("Europe/London"); clients convert
    std::vector<weekly_slot> slots;  // sorted by weekday, then start
};

// Slots in range, at most max_schedule_slots, and a time zone of IANA shape (letters, digits,
// '/', '_', '-', '+', 1-64 bytes). Whether the zone exists is for the client to tell.
bool valid_schedule(const room_schedule& s) noexcept;

// --- facilitator actions ---------------------------------------------------------------------

// Why a facilitator acted: the ground rule cited (its number in the room's agreement) and a
// short reason in their own words. The reason is staff-written and goes to the audit trail;
// it is never message text.
struct citation {
    int ground_rule = 0;
    std::string reason;
};

// Ground rule 1-99 and a reason of 1-limits::max_reason_bytes of valid UTF-8 on one line.
bool valid_citation(const citation& c) noexcept;

// What a facilitator set for the whole room: read-only for students, and slow mode.
struct room_controls {
    bool locked = false;
    int slow_mode_seconds = 0;  // 0 = off; at most limits::max_slow_mode
    friend bool operator==(const room_controls&, const room_controls&) = default;
};

// A student muted in a room until a time (Unix ms); the mute lifts itself then.
struct member_mute {
    user_id user = 0;
    std::int64_t until_ms = 0;
};

// Everything a student's send checks beyond membership, in one read: the open session, the
// room's controls and until when this student is muted (0 when not, or it has lapsed).
struct posting_state {
    room_session session;
    room_controls controls;
    std::int64_t muted_until_ms = 0;
};

// What a send checks, in one read (store::check_send): the room (its last_seq left 0),
// whether the sender belongs to it, and the room's posting state for the sender.
struct send_check {
    room r;
    bool member = false;
    posting_state posting;
};

// --- check-in rounds and participation --------------------------------------------------------

struct checkin_answer {
    user_id user = 0;
    int mood = 0;  // 1-5; 0 when passed
    bool passed = false;
    std::string word;  // decrypted; may be empty
    std::int64_t answered_at_ms = 0;
};

// A room's check-in round; open until the next one starts.
struct checkin_round {
    std::int64_t id = 0;  // 0: no round is open
    room_id room = 0;
    user_id started_by = 0;
    std::int64_t started_at_ms = 0;
    int answered = 0;  // answers with a mood
    int passed = 0;
    std::vector<checkin_answer> answers;  // filled by checkin_of(), by user id
};

// A mood 1-5 and a word of at most limits::max_checkin_word_bytes with no whitespace, or a
// pass with neither.
bool valid_checkin_answer(const checkin_answer& a) noexcept;

// How much one member said since a time: their messages (any status) and the last one's time.
struct participation_row {
    user_id user = 0;
    int messages = 0;
    std::int64_t last_at_ms = 0;
};

// --- peer reports ----------------------------------------------------------------------------

enum class report_category { unkind = 1, privacy = 2, safety = 3, other = 4 };
enum class report_state { open = 1, dismissed = 2, actioned = 3 };
const char* to_string(report_category c) noexcept;
const char* to_string(report_state s) noexcept;

// A student's report of a message someone else wrote. The reporter is kept for the record
// and for telling them the outcome; nobody in the room is ever shown who reported.
struct report {
    std::int64_t id = 0;
    room_id room = 0;
    seq_t seq = 0;
    user_id reporter = 0;
    report_category category = report_category::other;
    std::string note;  // the reporter's own words, decrypted; may be empty
    report_state state = report_state::open;
    std::int64_t escalation_id = 0;  // a safety report: the escalation it opened
    std::int64_t created_at_ms = 0;
    user_id handled_by = 0;
    std::int64_t handled_at_ms = 0;
};

struct report_request {
    room_id room = 0;
    seq_t seq = 0;
    user_id reporter = 0;
    report_category category = report_category::other;
    std::string note;
    std::int64_t escalation_id = 0;  // opened for it beforehand, 0 for none
};

struct filed_report {
    report filed;
    bool duplicate = false;  // the reporter reported this message before; that report stands
};

struct settled_report {
    report settled;
    bool changed = false;  // false: it was settled before, and is returned as it was
};

// A known category and a note of at most limits::max_report_note_bytes of valid UTF-8.
bool valid_report(const report_request& r) noexcept;

struct history_page {
    std::vector<stored_message> messages;  // oldest first
    bool has_more = false;                 // older messages exist before messages.front()
};

}  // namespace circles::storage

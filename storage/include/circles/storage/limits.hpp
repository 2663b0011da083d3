#pragma once
// Sizes the store refuses to exceed (errc::invalid_argument). Public so the gateway can
// reject an oversized request before it reaches the store, with the same numbers.
#include <chrono>
#include <cstddef>

namespace circles::storage::limits {

inline constexpr std::size_t max_message_bytes = 16 * 1024;  // one chat message (UTF-8)
inline constexpr std::size_t max_client_msg_id_bytes = 64;   // idempotency key
inline constexpr std::size_t max_name_bytes = 128;           // slug, names, username, display name
inline constexpr std::size_t max_password_bytes = 1024;      // Argon2id takes any length; cap DoS
inline constexpr std::size_t max_page_messages = 500;        // history/since page, clamped
inline constexpr std::chrono::seconds max_session_ttl{std::chrono::hours(24 * 90)};
inline constexpr std::size_t session_token_random_bytes = 32;
inline constexpr std::size_t max_audit_detail_bytes = 1024;  // audit entry detail: ids, no text
// Escalation paging: a deadline of a second makes tests quick; a day is the most any school
// could mean. A contact list of a few levels of a few people each.
inline constexpr std::chrono::milliseconds min_ack_deadline{1000};
inline constexpr std::chrono::milliseconds max_ack_deadline{std::chrono::hours(24)};
inline constexpr std::size_t max_webhook_url_bytes = 1024;
// Facilitator actions: the reason given with each, the longest mute, the slowest slow mode.
inline constexpr std::size_t max_reason_bytes = 200;
inline constexpr int max_ground_rule = 99;
inline constexpr std::chrono::seconds max_mute{std::chrono::hours(24)};
inline constexpr std::chrono::seconds max_slow_mode{std::chrono::hours(1)};
inline constexpr std::size_t max_held_listed = 200;  // held_messages returns at most this many
inline constexpr std::size_t max_report_note_bytes = 300;         // a reporter's note
inline constexpr std::size_t max_open_reports_per_reporter = 20;  // open at once, per room
inline constexpr std::size_t max_reports_listed = 200;            // reports_of returns at most
inline constexpr std::size_t max_case_note_bytes = 4000;          // a counselor's note on a case
inline constexpr std::size_t max_real_name_bytes = 200;           // a student's real name
inline constexpr std::size_t max_checkin_word_bytes = 32;         // a check-in's one word
inline constexpr std::size_t max_contact_levels = 16;
inline constexpr std::size_t max_contacts_per_level = 64;

}  // namespace circles::storage::limits

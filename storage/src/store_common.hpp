#pragma once
// What every store implementation does the same way, whatever the database: validating what a
// caller passes, session tokens, password hashes, escalation fields, and running callbacks.
// Keeping it here is what stops the SQLite and PostgreSQL stores from drifting apart.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/errc.hpp"
#include "circles/storage/keyring.hpp"
#include "circles/storage/store.hpp"

namespace circles::storage::detail {

std::int64_t now_ms();

// --- store URLs ----------------------------------------------------------------------------

// Where a store URL points (see open_store). Throws std::runtime_error for another scheme,
// naming the scheme only when it cannot be part of a secret.
struct store_location {
    enum class kind { sqlite, postgres };
    kind what = kind::sqlite;
    std::filesystem::path sqlite_file;  // empty: circles.db in the data folder
    std::string conninfo;               // PostgreSQL
};
store_location parse_store_url(std::string_view url);

// True for well-formed UTF-8 without NUL, overlong forms or surrogates: exactly what
// PostgreSQL accepts in a text column, so both stores refuse the same input.
bool valid_utf8(std::string_view s) noexcept;

// A name, slug, username, ...: non-empty, at most `max` bytes, valid UTF-8 without NUL.
bool valid_text(std::string_view s, std::size_t max) noexcept;

// The checks of a user's username, display name and role (every create_user*).
bool valid_user_fields(std::string_view username, std::string_view display_name, role r) noexcept;
// The checks create_user makes before hashing the password.
bool valid_new_user(std::string_view username, std::string_view display_name, role r,
                    std::string_view password) noexcept;

// The checks append makes before a request takes a seq.
bool valid_request(const append_request& req) noexcept;

// --- message pages -------------------------------------------------------------------------

// history(): the exclusive upper seq bound to query (before_seq 0 or past the SQL integer
// range: every seq), and the page made from rows read newest first with one extra row (whose
// presence says an older page exists), oldest first.
std::int64_t history_bound(seq_t before_seq) noexcept;
history_page page_from_newest_first(std::vector<stored_message> rows, std::size_t limit);
// since(): false when no stored seq can follow after_seq (past the SQL integer range).
bool any_seq_after(seq_t after_seq) noexcept;

// --- escalations ---------------------------------------------------------------------------

// Associated data of an escalation's sealed text ("escalation|id|key_id").
std::string escalation_ad(std::int64_t id, std::int64_t key_id);
std::string join_categories(const std::vector<std::string>& categories);
std::vector<std::string> split_categories(const std::string& s);

// A room key lookup's error as reads and writes report it: a key that does not exist for the
// row's room is crypto_failure (the row points at a key it may not use).
inline errc key_error(const boost::system::error_code& e) noexcept {
    return e == errc::not_found ? errc::crypto_failure : static_cast<errc>(e.value());
}

// Opens a sealed row with the key a cache lookup gave. A key that does not exist for the row's
// room is reported as crypto_failure: the row points at a key it may not use.
result<std::string> open_row(const result<std::shared_ptr<const secret_key>>& key,
                             const sealed& box, std::string_view ad);

// What a message read selects, in the order message_from reads it; each query adds its WHERE.
inline constexpr std::string_view message_select =
    "SELECT m.seq, m.epoch, m.sender_id, u.display_name, u.role, m.client_msg_id, m.key_id,"
    " m.nonce, m.ciphertext, m.status, m.created_at_ms"
    " FROM messages m JOIN users u ON u.id = m.sender_id";

// A row of message_select in `room`, read through the database's column getters, its text
// opened with `load_key(room, key_id)` (a key_cache lookup); never unauthenticated text.
template <class Int64, class Text, class Bytes, class LoadKey>
result<stored_message> message_from(room_id room, const Int64& int64, const Text& text,
                                    const Bytes& bytes, const LoadKey& load_key) {
    stored_message m;
    m.room = room;
    m.seq = static_cast<seq_t>(int64(0));
    m.epoch = static_cast<std::uint64_t>(int64(1));
    m.sender = int64(2);
    m.sender_display_name = text(3);
    m.sender_role = static_cast<role>(int64(4));
    m.client_msg_id = text(5);
    const std::int64_t key_id = int64(6);
    const sealed box{bytes(7), bytes(8)};
    m.status = static_cast<message_status>(int64(9));
    m.created_at_ms = int64(10);
    auto opened = open_row(load_key(room, key_id), box, message_ad(room, m.seq, key_id));
    if (!opened) return opened.error();
    m.text = std::move(*opened);
    return m;
}

// --- append callbacks ----------------------------------------------------------------------

// Runs an append callback; an exception from it is logged, never let through (it would take
// the writer thread down, and the callback is the caller's code).
void run_callback(const append_handler& done, result<append_result> r);

// --- sessions ------------------------------------------------------------------------------

inline constexpr std::size_t token_hash_bytes = crypto_generichash_BYTES;  // 32
using token_hash = std::array<unsigned char, token_hash_bytes>;

struct session_token {
    std::string text;  // handed to the client once, never stored
    token_hash hash;   // what the database keeps
};

// 32 random bytes as URL-safe base64 without padding (43 characters), and its hash.
session_token make_session_token();
token_hash hash_token(std::string_view token);
// False for anything that cannot be a token this store made (the wrong length).
bool plausible_token(std::string_view token) noexcept;

// --- passwords -----------------------------------------------------------------------------

// crypto_pwhash_str (Argon2id, interactive limits). errc::io_error when out of memory.
result<std::string> hash_password(std::string_view password);

// Verifies against `hash`, or against a dummy hash when the user is unknown (nullopt), so a
// login for an unknown name costs about as much as a wrong password.
bool verify_password_hash(const std::optional<std::string>& hash, std::string_view password);

}  // namespace circles::storage::detail

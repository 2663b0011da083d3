#include "store_common.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>
#include <limits>

#include "circles/storage/limits.hpp"

namespace circles::storage::detail {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool valid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c == 0) return false;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) lo = 0x90;  // overlong
            if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= n) return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (std::size_t i = 2; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
        }
        p += n + 1;
    }
    return true;
}

bool valid_text(std::string_view s, std::size_t max) noexcept {
    return !s.empty() && s.size() <= max && valid_utf8(s);
}

bool valid_user_fields(std::string_view username, std::string_view display_name, role r) noexcept {
    return valid_text(username, limits::max_name_bytes) &&
           valid_text(display_name, limits::max_name_bytes) && parse_role(to_string(r));
}

bool valid_new_user(std::string_view username, std::string_view display_name, role r,
                    std::string_view password) noexcept {
    return valid_user_fields(username, display_name, r) && !password.empty() &&
           password.size() <= limits::max_password_bytes;
}

std::int64_t history_bound(seq_t before_seq) noexcept {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    return before_seq == 0 || before_seq > static_cast<seq_t>(max)
               ? max
               : static_cast<std::int64_t>(before_seq);
}

history_page page_from_newest_first(std::vector<stored_message> rows, std::size_t limit) {
    history_page page;
    page.has_more = rows.size() > limit;
    if (page.has_more) rows.resize(limit);
    page.messages.assign(std::make_move_iterator(rows.rbegin()),
                         std::make_move_iterator(rows.rend()));
    return page;
}

bool any_seq_after(seq_t after_seq) noexcept {
    return after_seq < static_cast<seq_t>(std::numeric_limits<std::int64_t>::max());
}

bool valid_request(const append_request& req) noexcept {
    const auto status = static_cast<int>(req.status);
    if (req.room <= 0 || req.sender <= 0 ||
        !valid_text(req.client_msg_id, limits::max_client_msg_id_bytes) ||
        req.text.size() > limits::max_message_bytes || status < 1 || status > 3 ||
        (!req.into_room && !req.escalation) || (req.into_room && req.about_seq != 0)) {
        return false;
    }
    if (!req.escalation) return true;
    // The moderation policy, not the student, names categories and rules; they are only
    // checked for what the database itself would refuse (a failed statement there would fail
    // the whole batch): a disclosure must not be turned away for a long rule name.
    const auto& e = *req.escalation;
    const auto source = static_cast<int>(e.source);
    if (e.categories.empty() || source < 1 || source > 4 || !valid_utf8(e.rule_id)) return false;
    for (const auto& c : e.categories) {
        if (!valid_utf8(c)) return false;
    }
    return true;
}

std::string escalation_ad(std::int64_t id, std::int64_t key_id) {
    return "escalation|" + std::to_string(id) + "|" + std::to_string(key_id);
}

std::string join_categories(const std::vector<std::string>& categories) {
    std::string out;
    for (const auto& c : categories) {
        if (!out.empty()) out += ',';
        out += c;
    }
    return out;
}

std::vector<std::string> split_categories(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto end = s.find(',', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

result<std::string> open_row(const result<std::shared_ptr<const secret_key>>& key,
                             const sealed& box, std::string_view ad) {
    if (!key) return key_error(key.error());
    return open(**key, box, ad);  // never hands out unauthenticated text
}

void run_callback(const append_handler& done, result<append_result> r) {
    if (!done) return;
    try {
        done(std::move(r));
    } catch (const std::exception& e) {
        spdlog::error("storage: append callback threw: {}", e.what());
    } catch (...) {
        spdlog::error("storage: append callback threw a non-exception");
    }
}

namespace {

std::size_t token_text_bytes() {
    return sodium_base64_ENCODED_LEN(limits::session_token_random_bytes,
                                     sodium_base64_VARIANT_URLSAFE_NO_PADDING) -
           1;  // the length includes the terminating NUL
}

// A hash to verify against when the user does not exist.
const std::string& dummy_password_hash() {
    static const std::string hash = [] {
        char out[crypto_pwhash_STRBYTES];
        unsigned char pw[16];
        randombytes_buf(pw, sizeof pw);
        if (crypto_pwhash_str(out, reinterpret_cast<const char*>(pw), sizeof pw,
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
            return std::string();
        }
        return std::string(out);
    }();
    return hash;
}

}  // namespace

session_token make_session_token() {
    unsigned char raw[limits::session_token_random_bytes];
    randombytes_buf(raw, sizeof raw);
    session_token t;
    t.text.assign(token_text_bytes() + 1, '\0');
    sodium_bin2base64(t.text.data(), t.text.size(), raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    t.text.resize(token_text_bytes());
    t.hash = hash_token(t.text);
    return t;
}

token_hash hash_token(std::string_view token) {
    token_hash out{};
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(token.data()),
                       token.size(), nullptr, 0);
    return out;
}

bool plausible_token(std::string_view token) noexcept { return token.size() == token_text_bytes(); }

result<std::string> hash_password(std::string_view password) {
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password.data(), password.size(),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return errc::io_error;  // out of memory
    }
    return std::string(hash);
}

bool verify_password_hash(const std::optional<std::string>& hash, std::string_view password) {
    const std::string& h = hash ? *hash : dummy_password_hash();
    const bool ok = password.size() <= limits::max_password_bytes && !h.empty() &&
                    crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
    return ok && hash.has_value();
}

}  // namespace circles::storage::detail

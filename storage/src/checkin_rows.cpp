#include "checkin_rows.hpp"

#include <algorithm>
#include <cctype>

#include "circles/storage/limits.hpp"
#include "store_common.hpp"

namespace circles::storage {

bool valid_checkin_answer(const checkin_answer& a) noexcept {
    if (a.user <= 0) return false;
    if (a.passed) return a.mood == 0 && a.word.empty();
    if (a.mood < 1 || a.mood > 5) return false;
    if (a.word.size() > limits::max_checkin_word_bytes || !detail::valid_utf8(a.word)) {
        return false;
    }
    // One word: no spaces or control characters (bytes of multi-byte letters are >= 0x80).
    return std::none_of(a.word.begin(), a.word.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u <= 0x20 || u == 0x7f;
    });
}

namespace detail {

std::string checkin_ad(std::int64_t round, user_id user, std::int64_t key_id) {
    return "checkin|" + std::to_string(round) + "|" + std::to_string(user) + "|" +
           std::to_string(key_id);
}

}  // namespace detail
}  // namespace circles::storage

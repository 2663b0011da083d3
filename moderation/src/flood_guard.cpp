#include "circles/moderation/flood_guard.hpp"

#include <algorithm>
#include <vector>

namespace circles::moderation {
namespace {

using ms = std::chrono::milliseconds;

ms until(flood_guard::clock::time_point when, flood_guard::clock::time_point now) {
    const auto d = std::chrono::ceil<ms>(when - now);
    return std::max(d, ms{1});
}

// FNV-1a of the text with case, whitespace and ASCII punctuation ignored: "Hi  there!"
// repeats "hi there".
std::uint64_t fingerprint(std::string_view text) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (c < 0x80 && !alnum) continue;
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

template <class Deque>
void drop_before(Deque& d, flood_guard::clock::time_point cutoff) {
    while (!d.empty() && d.front() < cutoff) d.pop_front();
}

flood_verdict refuse(std::string reason, std::string reply, ms retry) {
    return {false, std::move(reason), std::move(reply), retry};
}

constexpr std::size_t max_users_per_room = 10'000;

}  // namespace

std::size_t longest_run(std::string_view text) {
    // Each character compared as its UTF-8 bytes packed into one integer: sequences of
    // different lengths never pack alike (a lead byte sets the top byte), and no valid UTF-8
    // character packs to ~0u (nor does the first run start at it: run is then 1 anyway).
    std::size_t best = 0, run = 0, i = 0;
    std::uint32_t prev = ~0u;
    const std::size_t n = text.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        std::uint32_t cur = c;
        for (std::size_t k = 1; k < len && i + k < n; ++k)
            cur = cur << 8 | static_cast<unsigned char>(text[i + k]);
        run = cur == prev ? run + 1 : 1;
        prev = cur;
        if (run > best) best = run;
        i += len;
    }
    return best;
}

int count_mentions(std::string_view text) {
    int n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != '@') continue;
        const bool starts =
            i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n' || text[i - 1] == '\t';
        const auto next = static_cast<unsigned char>(text[i + 1]);
        if (starts && (std::isalnum(next) || next == '_' || next >= 0x80)) ++n;
    }
    return n;
}

flood_guard::flood_guard(flood_limits limits) : limits_(limits) {}

void flood_guard::set_slow_mode(std::string_view room_id, std::chrono::seconds interval) {
    std::lock_guard lock(mutex_);
    auto& r = rooms_[std::string(room_id)];
    r.slow = std::max(interval, std::chrono::seconds{0});
}

std::chrono::seconds flood_guard::slow_mode(std::string_view room_id) const {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(std::string(room_id));
    return it == rooms_.end() ? std::chrono::seconds{0} : it->second.slow;
}

std::size_t flood_guard::tracked_keys() const {
    std::lock_guard lock(mutex_);
    return users_.size() + rooms_.size();
}

flood_verdict flood_guard::check(std::int64_t user_id, std::string_view room_id,
                                 std::string_view text, clock::time_point now,
                                 std::string_view retry_key, bool slow_mode_applies) {
    if (count_mentions(text) > limits_.max_mentions)
        return refuse("mentions",
                      "That message mentions too many people at once. Try mentioning fewer.",
                      ms{0});
    if (longest_run(text) > limits_.max_repeat_run)
        return refuse("repeats",
                      "That message repeats one character a lot. Please shorten it and send again.",
                      ms{0});
    std::lock_guard lock(mutex_);
    evict(now);
    auto& u = users_[user_id];
    auto& r = rooms_[std::string(room_id)];
    u.last_seen = r.last_seen = now;
    // The same text in another room is not a repeat (a greeting to two groups).
    const auto fp = fingerprint(text) * 1099511628211ULL ^ fingerprint(room_id);
    const auto key = retry_key.empty() ? 0 : fingerprint(retry_key) | 1;
    while (!u.recent.empty() && u.recent.front().at < now - limits_.duplicate_window)
        u.recent.pop_front();
    for (const auto& m : u.recent) {
        if (m.text != fp) continue;
        // A client resending after a lost ack: the store answers with the original.
        if (key != 0 && m.key == key) return {};
        return refuse("duplicate", "You already sent that message.",
                      until(m.at + limits_.duplicate_window, now));
    }

    if (r.slow.count() > 0 && slow_mode_applies) {
        auto it = r.last_by_user.find(user_id);
        if (it != r.last_by_user.end() && now < it->second + r.slow)
            return refuse("slow_mode",
                          "Slow mode is on in this room. You can send your next message soon.",
                          until(it->second + r.slow, now));
    }
    drop_before(u.sent, now - limits_.user_window);
    if (static_cast<int>(u.sent.size()) >= limits_.user_messages)
        return refuse("user_rate", "You're sending messages quickly. Take a breath and try again.",
                      until(u.sent.front() + limits_.user_window, now));
    drop_before(r.sent, now - limits_.room_window);
    if (static_cast<int>(r.sent.size()) >= limits_.room_messages)
        return refuse("room_rate", "The room is very busy right now. Try again in a moment.",
                      until(r.sent.front() + limits_.room_window, now));
    u.sent.push_back(now);
    u.recent.push_back({fp, key, now});
    if (u.recent.size() > 16) u.recent.pop_front();
    r.sent.push_back(now);
    if (r.slow.count() > 0) {
        if (r.last_by_user.size() >= max_users_per_room) {
            std::erase_if(r.last_by_user, [&](const auto& e) { return e.second + r.slow <= now; });
            if (r.last_by_user.size() >= max_users_per_room) r.last_by_user.clear();
        }
        r.last_by_user[user_id] = now;
    }
    return {};
}

void flood_guard::evict(clock::time_point now) {
    if (users_.size() + rooms_.size() < limits_.max_keys) return;
    const auto idle =
        std::max({limits_.user_window, limits_.room_window, limits_.duplicate_window});
    std::erase_if(users_, [&](const auto& e) { return e.second.last_seen + idle < now; });
    // Rooms with slow mode on keep their setting; only idle rooms without one are dropped.
    std::erase_if(rooms_, [&](const auto& e) {
        return e.second.slow.count() == 0 && e.second.last_seen + idle < now;
    });
    if (users_.size() + rooms_.size() < limits_.max_keys) return;
    // Still full: drop the least recently seen half of the users.
    std::vector<clock::time_point> seen;
    for (const auto& [id, u] : users_) seen.push_back(u.last_seen);
    if (seen.empty()) return;
    auto mid = seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 2);
    std::nth_element(seen.begin(), mid, seen.end());
    const auto cutoff = *mid;
    std::erase_if(users_, [&](const auto& e) { return e.second.last_seen <= cutoff; });
}

}  // namespace circles::moderation

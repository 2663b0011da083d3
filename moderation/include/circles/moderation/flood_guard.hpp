#pragma once
// Flooding limits that need memory of earlier messages: per-user and per-room message rates,
// a user repeating the same message, mention spam, long runs of one repeated character, and
// a room's slow mode. (Mentions and runs need no memory; they live here so that evaluate()
// keeps judging content only and a flood verdict always comes with a retry hint.)
//
// Thread-safe (one mutex) and bounded: past `max_keys` tracked users or rooms, entries idle
// longer than every window are dropped first, then the least recently used half. The caller
// passes the time, so tests and replays are deterministic.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace circles::moderation {

struct flood_limits {
    int user_messages = 5;  // per user (across rooms) within user_window
    std::chrono::seconds user_window{10};
    int room_messages = 30;  // per room within room_window
    std::chrono::seconds room_window{10};
    std::chrono::seconds duplicate_window{60};  // the same text again from one user
    int max_mentions = 5;                       // @mentions in one message
    std::size_t max_repeat_run = 30;            // one code point repeated in a row
    std::size_t max_keys = 100'000;
};

struct flood_verdict {
    bool allowed = true;
    std::string
        reason;         // "slow_mode", "user_rate", "room_rate", "duplicate", "mentions", "repeats"
    std::string reply;  // friendly text for the sender
    std::chrono::milliseconds retry_after{0};
};

class flood_guard {
  public:
    using clock = std::chrono::steady_clock;

    explicit flood_guard(flood_limits limits = {});

    // Checks one message and, if allowed, records it. Refused messages are not recorded.
    // `retry_key` (the client's message id) lets a resend of the same message through
    // untouched, since the store answers it with the original. `slow_mode_applies` is false
    // for a sender slow mode does not bind (the room's facilitator).
    flood_verdict check(std::int64_t user_id, std::string_view room_id, std::string_view text,
                        clock::time_point now, std::string_view retry_key = {},
                        bool slow_mode_applies = true);

    // Slow mode: at least `interval` between one user's messages in the room (0 = off).
    void set_slow_mode(std::string_view room_id, std::chrono::seconds interval);
    std::chrono::seconds slow_mode(std::string_view room_id) const;

    std::size_t tracked_keys() const;
    const flood_limits& limits() const noexcept { return limits_; }

  private:
    struct user_state {
        std::deque<clock::time_point> sent;
        struct sent_text {
            std::uint64_t text, key;  // fingerprints of room + text, and of the retry key
            clock::time_point at;
        };
        std::deque<sent_text> recent;
        clock::time_point last_seen{};
    };
    struct room_state {
        std::deque<clock::time_point> sent;
        std::chrono::seconds slow{0};
        std::unordered_map<std::int64_t, clock::time_point> last_by_user;
        clock::time_point last_seen{};
    };
    void evict(clock::time_point now);

    flood_limits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::int64_t, user_state> users_;
    std::unordered_map<std::string, room_state> rooms_;
};

// Number of @mentions in a text ("@name" after a start or a space).
int count_mentions(std::string_view text);
// The longest run of one code point repeated in a row.
std::size_t longest_run(std::string_view text);

}  // namespace circles::moderation

#pragma once
// What the SQLite store's check_send read last for each (room, sender), kept until the
// directory changes.
//
// A send's check reads the room, the sender's membership, the open session, the room's
// controls and the sender's mute: tables only the directory connection writes. The writer's
// commits (messages, escalations) leave them as they were, but each one still makes a read
// connection drop its page cache and take SQLite's read locks anew, so the read cost a send as
// much as its moderation. Here a read is kept and served again until the next directory
// commit, which invalidate()s every entry at once (a generation counter).
//
// The order that keeps a stale read out: a reader takes generation() *before* it reads the
// database and stores under that number; the directory bumps the number *after* its commit
// (the WAL hook, which runs once the commit is visible). A read that raced a commit is stored
// under the old number and so is never served. This holds within one process, and one SQLite
// file has one store process (sqlite_store.hpp).
//
// A mute is kept as the database holds it (its end, not whether it has ended), so a cached
// entry is right at any later time: the caller compares the end with its clock.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "circles/storage/types.hpp"

namespace circles::storage::detail {

class send_check_cache {
  public:
    // At most this many (room, sender) pairs are kept; one more empties the cache, which
    // fills again from the next reads.
    static constexpr std::size_t max_entries = 32'768;

    std::uint64_t generation() const noexcept { return generation_.load(); }

    // After every committed change to the directory: nothing read before it is served again.
    void invalidate() noexcept { generation_.fetch_add(1); }

    // The entry for (room, user), if it was read at the current generation.
    std::optional<send_check> find(room_id room, user_id user) const {
        const auto now = generation();
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(key{room, user});
        if (it == entries_.end() || it->second.read_at != now) return std::nullopt;
        return it->second.check;
    }

    // Keeps `check`, read from the database after generation() returned `read_at`.
    void put(room_id room, user_id user, std::uint64_t read_at, const send_check& check) {
        std::lock_guard lock(mutex_);
        if (entries_.size() >= max_entries && !entries_.contains(key{room, user})) {
            entries_.clear();
        }
        entries_.insert_or_assign(key{room, user}, entry{read_at, check});
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

  private:
    struct key {
        room_id room;
        user_id user;
        bool operator==(const key&) const = default;
    };
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept {
            return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(k.room) *
                                                  0x9E3779B97F4A7C15ull ^
                                              static_cast<std::uint64_t>(k.user));
        }
    };
    struct entry {
        std::uint64_t read_at;
        send_check check;
    };

    std::atomic<std::uint64_t> generation_{0};
    mutable std::mutex mutex_;
    std::unordered_map<key, entry, key_hash> entries_;
};

}  // namespace circles::storage::detail

#include "key_cache.hpp"

namespace circles::storage::detail {

result<shared_key> key_cache::get(database& db, std::int64_t room, std::int64_t key_id) {
    {
        std::lock_guard lock(mutex_);
        auto it = keys_.find({room, key_id});
        if (it != keys_.end()) return it->second;
    }
    // Unwrap outside the lock; two threads racing here both get a valid key, one is kept.
    sealed wrapped;
    {
        auto q =
            db.prepare("SELECT nonce, ciphertext FROM room_keys WHERE key_id = ? AND room_id = ?");
        q.bind(1, key_id).bind(2, room);
        int rc = q.step();
        if (rc == SQLITE_DONE) return errc::not_found;
        if (rc != SQLITE_ROW) return errc::io_error;
        wrapped.nonce = q.blob(0);
        wrapped.ciphertext = q.blob(1);
    }
    auto key = unwrap_key(master_, wrapped, key_id);
    if (!key) return key.error();
    shared_key shared(std::move(*key));
    std::lock_guard lock(mutex_);
    return keys_.try_emplace({room, key_id}, std::move(shared)).first->second;
}

void key_cache::put(std::int64_t room, std::int64_t key_id, shared_key key) {
    std::lock_guard lock(mutex_);
    keys_[{room, key_id}] = std::move(key);
}

}  // namespace circles::storage::detail

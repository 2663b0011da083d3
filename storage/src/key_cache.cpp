#include "key_cache.hpp"

namespace circles::storage::detail {

shared_key key_cache::find(std::int64_t room, std::int64_t key_id) {
    std::lock_guard lock(mutex_);
    auto it = keys_.find({room, key_id});
    return it == keys_.end() ? nullptr : it->second;
}

result<shared_key> key_cache::unwrap_and_keep(std::int64_t room, std::int64_t key_id,
                                              const sealed& wrapped) {
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

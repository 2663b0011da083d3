#pragma once
// Unwrapped room data keys, shared by the writer and every reader, whatever the database.
//
// Unwrapping costs an AEAD open under the master key and a sodium_malloc (guard pages and
// mlock), so each (room, key_id) is unwrapped once and kept for the life of the store. Keys
// are handed out as shared_ptr so a future erase() can drop a key while a reader still holds
// it for the page it is decrypting.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "circles/storage/errc.hpp"
#include "circles/storage/keyring.hpp"

namespace circles::storage::detail {

using shared_key = std::shared_ptr<const secret_key>;

class key_cache {
  public:
    explicit key_cache(const secret_key& master) : master_(master) {}

    // The key, loading it on first use through `load`, a callable returning result<sealed>:
    // the wrapped key as the row of room_keys (key_id, room) holds it, or errc::not_found when
    // no such key belongs to `room`. errc::crypto_failure when the wrapped key fails to open
    // (tampered row or a different master key).
    template <class Load>
    result<shared_key> get(std::int64_t room, std::int64_t key_id, Load&& load) {
        if (auto key = find(room, key_id)) return key;
        // Unwrap outside the lock; two threads racing here both get a valid key, one is kept.
        result<sealed> wrapped = load();
        if (!wrapped) return wrapped.error();
        return unwrap_and_keep(room, key_id, *wrapped);
    }

    // Records a key the caller just created (create_room), so it is never unwrapped.
    void put(std::int64_t room, std::int64_t key_id, shared_key key);

  private:
    shared_key find(std::int64_t room, std::int64_t key_id);
    result<shared_key> unwrap_and_keep(std::int64_t room, std::int64_t key_id,
                                       const sealed& wrapped);

    const secret_key& master_;
    std::mutex mutex_;
    std::map<std::pair<std::int64_t, std::int64_t>, shared_key> keys_;
};

}  // namespace circles::storage::detail

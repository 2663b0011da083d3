#pragma once
// Encryption at rest. The master key (32 random bytes) lives in a file created with mode
// 0600 on first run. Each room has its own data key, stored wrapped (sealed) by the master
// key; unwrapped keys live only in sodium_malloc'd memory. Message text is sealed with
// XChaCha20-Poly1305 (libsodium crypto_aead_xchacha20poly1305_ietf), a random 24-byte nonce,
// and associated data "room|seq|key_id", so a sealed value moved to another row fails to open.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/errc.hpp"

namespace circles::storage {

// A 32-byte key in guarded memory (sodium_malloc, sodium_mprotect_readonly, wiped on free).
class secret_key {
  public:
    static constexpr std::size_t size = 32;
    secret_key();  // random
    explicit secret_key(const unsigned char* bytes);
    ~secret_key();
    secret_key(const secret_key&) = delete;
    secret_key& operator=(const secret_key&) = delete;
    const unsigned char* data() const noexcept { return p_; }

  private:
    unsigned char* p_;
};

struct sealed {
    std::vector<unsigned char> nonce;       // 24 bytes
    std::vector<unsigned char> ciphertext;  // plaintext + 16-byte tag
};

// Associated data binding a sealed message to its row.
std::string message_ad(std::int64_t room, std::uint64_t seq, std::int64_t key_id);

sealed seal(const secret_key& key, std::string_view plaintext, std::string_view ad);
result<std::string> open(const secret_key& key, const sealed& box, std::string_view ad);

// Loads master.key from `path`, or creates it (0600, parent folder 0700) when missing.
// Throws std::runtime_error if the file exists with the wrong size or looser permissions.
std::unique_ptr<secret_key> load_or_create_master_key(const std::filesystem::path& path);
// Loads an existing master.key (same checks), never creating one: for tools that only read.
std::unique_ptr<secret_key> load_master_key(const std::filesystem::path& path);

// A data key wrapped by the master key, as stored in room_keys.
sealed wrap_key(const secret_key& master, const secret_key& data_key, std::int64_t key_id);
result<std::unique_ptr<secret_key>> unwrap_key(const secret_key& master, const sealed& wrapped,
                                               std::int64_t key_id);

}  // namespace circles::storage

// Encryption at rest: guarded keys, seal/open, the master key file, and wrapped room keys.
#include "circles/storage/keyring.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>

#include "sodium_init.hpp"

namespace circles::storage {
namespace detail {

void ensure_sodium() {
    static const int rc = sodium_init();  // thread-safe once; 1 means "already done"
    if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace detail

namespace {

constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t tag_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == secret_key::size);

// Domain-separated so a wrapped key can never be confused with a message (whose AD is
// "room|seq|key_id").
std::string key_ad(std::int64_t key_id) { return "circles-room-key|" + std::to_string(key_id); }

// Nonces are drawn from the system's generator (randombytes_buf: getrandom(2)) ten at a time,
// not one call per message: a syscall per send was measurable on the store's writer, and
// libsodium asks the kernel for at most 256 bytes a call. XChaCha20's 192-bit nonces need only
// be random, and they are stored beside the ciphertext, so a few waiting in memory give
// nothing away. A block is never used twice: each thread has its own, and a forked child
// discards the one it inherited (a child sealing from its parent's block would repeat the
// parent's next nonces under the same key).
constexpr std::size_t nonces_per_draw = 10;
std::atomic<unsigned> forks_seen{0};

// One nonce, nonce_bytes long, into `out`.
void random_nonce(unsigned char* out) {
    static const bool fork_guarded = pthread_atfork(nullptr, nullptr, [] {
                                         forks_seen.fetch_add(1, std::memory_order_relaxed);
                                     }) == 0;
    if (!fork_guarded) return randombytes_buf(out, nonce_bytes);  // a call each
    thread_local std::array<unsigned char, nonces_per_draw * nonce_bytes> block;
    thread_local std::size_t used = block.size();
    thread_local unsigned drawn_after = 0;  // forks_seen when the block was drawn
    const unsigned forks = forks_seen.load(std::memory_order_relaxed);
    if (used == block.size() || drawn_after != forks) {
        randombytes_buf(block.data(), block.size());
        used = 0;
        drawn_after = forks;
    }
    std::memcpy(out, block.data() + used, nonce_bytes);
    used += nonce_bytes;
}

unsigned char* guarded_alloc() {
    detail::ensure_sodium();
    auto* p = static_cast<unsigned char*>(sodium_malloc(secret_key::size));
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw std::runtime_error("master key " + path.string() + ": " + what);
}

std::string errno_text() { return std::system_category().message(errno); }

// Creates `dir` (and missing parents) with mode 0700 for the last component: the folder
// holds the key and the database, so nobody else needs to list it.
void ensure_private_dir(const std::filesystem::path& dir) {
    if (dir.empty()) return;
    std::error_code ec;
    if (std::filesystem::exists(dir, ec)) return;
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot create data folder " + dir.string() + ": " + errno_text());
    }
}

// Reads the key from an open descriptor after checking that it is a private 32-byte file.
std::unique_ptr<secret_key> read_key(int fd, const std::filesystem::path& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(path, "cannot stat: " + errno_text());
    if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file");
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        fail(path, std::string("has permissions ") + mode +
                       "; it must be readable by its owner only (chmod 600)");
    }
    if (st.st_size != static_cast<off_t>(secret_key::size)) {
        fail(path, "has " + std::to_string(st.st_size) + " bytes; expected " +
                       std::to_string(secret_key::size));
    }
    std::array<unsigned char, secret_key::size> buf{};
    std::size_t got = 0;
    while (got < buf.size()) {
        ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            sodium_memzero(buf.data(), buf.size());
            fail(path, "cannot read: " + (n < 0 ? errno_text() : std::string("short file")));
        }
        got += static_cast<std::size_t>(n);
    }
    auto key = std::make_unique<secret_key>(buf.data());
    sodium_memzero(buf.data(), buf.size());
    return key;
}

// read_key, closing `fd` whatever happens.
std::unique_ptr<secret_key> read_key_and_close(int fd, const std::filesystem::path& path) {
    try {
        auto key = read_key(fd, path);
        ::close(fd);
        return key;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

void write_all(int fd, const unsigned char* p, std::size_t n, const std::filesystem::path& path) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail(path, "cannot write: " + errno_text());
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

}  // namespace

secret_key::secret_key() : p_(guarded_alloc()) {
    randombytes_buf(p_, size);
    sodium_mprotect_readonly(p_);
}

secret_key::secret_key(const unsigned char* bytes) : p_(guarded_alloc()) {
    std::memcpy(p_, bytes, size);
    sodium_mprotect_readonly(p_);
}

secret_key::~secret_key() { sodium_free(p_); }  // makes it writable, wipes, unmaps

std::string message_ad(std::int64_t room, std::uint64_t seq, std::int64_t key_id) {
    return std::to_string(room) + "|" + std::to_string(seq) + "|" + std::to_string(key_id);
}

sealed seal(const secret_key& key, std::string_view plaintext, std::string_view ad) {
    detail::ensure_sodium();
    sealed box;
    box.nonce.resize(nonce_bytes);
    random_nonce(box.nonce.data());
    box.ciphertext.resize(plaintext.size() + tag_bytes);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        box.ciphertext.data(), &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
        plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
        box.nonce.data(), key.data());
    box.ciphertext.resize(clen);
    return box;
}

result<std::string> open(const secret_key& key, const sealed& box, std::string_view ad) {
    detail::ensure_sodium();
    if (box.nonce.size() != nonce_bytes || box.ciphertext.size() < tag_bytes) {
        return errc::crypto_failure;
    }
    std::string out(box.ciphertext.size() - tag_bytes, '\0');
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, box.ciphertext.data(),
            box.ciphertext.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
            box.nonce.data(), key.data()) != 0) {
        return errc::crypto_failure;  // `out` was never filled: nothing unauthenticated escapes
    }
    out.resize(mlen);
    return out;
}

std::unique_ptr<secret_key> load_master_key(const std::filesystem::path& path) {
    detail::ensure_sodium();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) fail(path, "cannot open: " + errno_text());
    return read_key_and_close(fd, path);
}

std::unique_ptr<secret_key> load_or_create_master_key(const std::filesystem::path& path) {
    detail::ensure_sodium();
    ensure_private_dir(path.parent_path());
    for (int attempt = 0; attempt < 2; ++attempt) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) return read_key_and_close(fd, path);
        if (errno != ENOENT) fail(path, "cannot open: " + errno_text());

        // First run: O_EXCL so two processes starting together cannot both write a key.
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            if (errno == EEXIST) continue;  // lost the race: read the winner's key
            fail(path, "cannot create: " + errno_text());
        }
        auto key = std::make_unique<secret_key>();
        try {
            write_all(fd, key->data(), secret_key::size, path);
            if (::fsync(fd) != 0) fail(path, "cannot fsync: " + errno_text());
        } catch (...) {
            ::close(fd);
            ::unlink(path.c_str());
            throw;
        }
        ::close(fd);
        // Make the new directory entry durable too, so a crash cannot lose the key after
        // data sealed with it has been committed.
        auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
        return key;
    }
    fail(path, "appeared and vanished while opening");
}

sealed wrap_key(const secret_key& master, const secret_key& data_key, std::int64_t key_id) {
    return seal(master,
                std::string_view(reinterpret_cast<const char*>(data_key.data()), secret_key::size),
                key_ad(key_id));
}

result<std::unique_ptr<secret_key>> unwrap_key(const secret_key& master, const sealed& wrapped,
                                               std::int64_t key_id) {
    auto plain = open(master, wrapped, key_ad(key_id));
    if (!plain) return plain.error();
    std::string& bytes = *plain;
    if (bytes.size() != secret_key::size) {
        sodium_memzero(bytes.data(), bytes.size());
        return errc::crypto_failure;
    }
    auto key = std::make_unique<secret_key>(reinterpret_cast<const unsigned char*>(bytes.data()));
    sodium_memzero(bytes.data(), bytes.size());
    return key;
}

}  // namespace circles::storage

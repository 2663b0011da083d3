#include "audit_chain.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <tuple>

#include "circles/storage/keyring.hpp"
#include "circles/storage/limits.hpp"
#include "sodium_init.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {
namespace {

// KDF context and subkey id of the audit key (crypto_kdf contexts are 8 bytes).
constexpr char audit_kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "cirAUDIT";
constexpr std::uint64_t audit_kdf_id = 1;

// Each field as its length (8 bytes, little-endian) and its bytes.
void field(crypto_auth_hmacsha256_state& st, std::string_view bytes) {
    unsigned char len[8];
    const std::uint64_t n = bytes.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    crypto_auth_hmacsha256_update(&st, len, sizeof len);
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(bytes.data()),
                                  bytes.size());
}

void field(crypto_auth_hmacsha256_state& st, std::int64_t v) { field(st, std::to_string(v)); }

bool same(const audit_hash& a, const audit_hash& b) {
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string entry(std::int64_t id) { return "entry " + std::to_string(id); }

}  // namespace

audit_key::audit_key(const secret_key& master) {
    ensure_sodium();
    key_ = static_cast<unsigned char*>(sodium_malloc(crypto_auth_hmacsha256_KEYBYTES));
    if (!key_) throw std::bad_alloc();
    crypto_kdf_derive_from_key(key_, crypto_auth_hmacsha256_KEYBYTES, audit_kdf_id,
                               audit_kdf_context, master.data());
    sodium_mprotect_readonly(key_);
}

audit_key::~audit_key() { sodium_free(key_); }

audit_hash audit_key::sign(const audit_hash& prev, std::int64_t id, std::int64_t at_ms,
                           const audit_record& r) const {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key_, crypto_auth_hmacsha256_KEYBYTES);
    crypto_auth_hmacsha256_update(&st, prev.data(), prev.size());
    field(st, id);
    field(st, at_ms);
    field(st, r.school);
    field(st, r.actor);
    field(st, r.action);
    field(st, r.room);
    field(st, r.target);
    field(st, r.detail);
    audit_hash out{};
    crypto_auth_hmacsha256_final(&st, out.data());
    sodium_memzero(&st, sizeof st);
    return out;
}

audit_entry audit_key::next(const audit_head& head, audit_record r, std::int64_t at_ms) const {
    audit_entry e;
    e.id = head.id + 1;
    e.at_ms = at_ms;
    e.prev = head.hash;
    e.hash = sign(head.hash, e.id, at_ms, r);
    e.record = std::move(r);
    return e;
}

bool valid_audit_record(const audit_record& r) noexcept {
    return valid_text(r.action, limits::max_name_bytes) && r.school >= 0 && r.actor >= 0 &&
           r.room >= 0 && r.target.size() <= limits::max_name_bytes && valid_utf8(r.target) &&
           r.detail.size() <= limits::max_audit_detail_bytes && valid_utf8(r.detail);
}

audit_record escalation_opened(school_id school, const append_request& req,
                               std::int64_t escalation_id, seq_t seq) {
    const auto& e = *req.escalation;
    std::string detail = "source=" + std::string(to_string(e.source)) +
                         " categories=" + join_categories(e.categories);
    if (!e.rule_id.empty()) detail += " rule=" + e.rule_id;
    detail += " sender=" + std::to_string(req.sender);
    detail += seq ? " seq=" + std::to_string(seq) : std::string(" seq=none");
    return {school,
            0,
            "escalation.opened",
            req.room,
            "escalation:" + std::to_string(escalation_id),
            std::move(detail)};
}

std::string to_hex(const audit_hash& h) {
    char buf[2 * std::tuple_size_v<audit_hash> + 1];
    sodium_bin2hex(buf, sizeof buf, h.data(), h.size());
    return buf;
}

std::optional<audit_hash> to_audit_hash(std::span<const unsigned char> bytes) {
    audit_hash h{};
    if (bytes.size() != h.size()) return std::nullopt;
    std::copy(bytes.begin(), bytes.end(), h.begin());
    return h;
}

// --- audit.head ----------------------------------------------------------------------------

audit_head_file read_audit_head_file(const std::filesystem::path& file) {
    audit_head_file out;
    std::ifstream in(file);
    if (!in) {
        // Anything but "not there" (unreadable permissions, a folder) is not a missing file.
        std::error_code ec;
        if (std::filesystem::exists(file, ec) || ec) out.what = audit_head_file::state::unreadable;
        return out;
    }
    out.what = audit_head_file::state::unreadable;
    std::string hex, rest;
    if (!(in >> out.head.id >> hex) || out.head.id <= 0 || (in >> rest)) return out;
    std::size_t len = 0;
    if (hex.size() != 2 * out.head.hash.size() ||
        sodium_hex2bin(out.head.hash.data(), out.head.hash.size(), hex.data(), hex.size(), nullptr,
                       &len, nullptr) != 0 ||
        len != out.head.hash.size()) {
        return out;
    }
    out.what = audit_head_file::state::present;
    return out;
}

void write_audit_head_file(const std::filesystem::path& file, const audit_head& head) {
    const std::string text = std::to_string(head.id) + " " + to_hex(head.hash) + "\n";
    // Per process: nodes of a cluster may share a data folder.
    const std::filesystem::path tmp = file.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::fsync(fd) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
    if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot replace " + file.string() + ": " + std::strerror(err));
    }
    // The rename itself durable, as the commit it follows.
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

audit_head_publisher::audit_head_publisher(std::filesystem::path file) : file_(std::move(file)) {
    const auto f = read_audit_head_file(file_);
    if (f.what == audit_head_file::state::present) {
        written_ = at_open_ = f.head.id;
    } else if (f.what == audit_head_file::state::unreadable) {
        // Left as it is for `circles audit verify` to report: overwriting it could hide a cut.
        written_ = std::numeric_limits<std::int64_t>::max();
        spdlog::error("audit: {} is unreadable and will not be updated; remove it once checked",
                      file_.string());
    }
}

void audit_head_publisher::publish(const audit_head& head) noexcept {
    try {
        std::lock_guard lock(mutex_);
        if (head.id <= written_) return;  // never backwards: another commit got there first
        write_audit_head_file(file_, head);
        written_ = head.id;
        spdlog::info("audit: chain head is entry {} {}", head.id, to_hex(head.hash));
    } catch (const std::exception& e) {
        // The entries are committed; `circles audit verify` reports the stale file, if ever.
        spdlog::error("audit: {} not updated: {}", audit_head_file_name, e.what());
    }
}

void audit_head_publisher::check_at_open(const audit_head& db_head) const {
    if (at_open_ > db_head.id) {
        spdlog::error(
            "audit: {} names entry {} but the database's audit log ends at entry {}: entries "
            "were cut off or the database was restored from an older copy (circles audit "
            "verify reports it)",
            file_.string(), at_open_, db_head.id);
    }
}

void log_unusable_audit_head() {
    spdlog::error(
        "audit: the chain head (table audit_head) is missing or damaged: no audit entry, and "
        "so no escalation, can be stored until it is repaired (circles audit verify)");
}

// --- verifying -----------------------------------------------------------------------------

audit_verifier::audit_verifier(const audit_key& key, audit_head_file file)
    : key_(key), file_(std::move(file)) {}

bool audit_verifier::broken(std::int64_t id, std::string problem) {
    verdict_.ok = false;
    verdict_.first_broken = id;
    verdict_.problem = std::move(problem);
    return false;
}

bool audit_verifier::next(const audit_row& row) {
    if (verdict_.first_broken != 0) return false;
    const std::int64_t expected = last_.id + 1;
    if (row.id != expected) {
        if (row.id > expected) {
            return broken(expected, entry(expected) + " is missing (the log goes on at " +
                                        entry(row.id) + ")");
        }
        return broken(expected, entry(expected) + " is missing (found an entry numbered " +
                                    std::to_string(row.id) + " instead)");
    }
    const auto prev = to_audit_hash(row.prev);
    if (!prev || !same(*prev, last_.hash)) {
        return broken(row.id, row.id == 1
                                  ? entry(1) +
                                        " does not start the chain (moved, or "
                                        "replaced)"
                                  : entry(row.id) + " does not follow " + entry(row.id - 1) +
                                        " (moved, or an entry before it replaced)");
    }
    const audit_hash want = key_.sign(last_.hash, row.id, row.at_ms, row.record);
    const auto stored = to_audit_hash(row.hash);
    if (!stored || !same(*stored, want)) {
        return broken(row.id,
                      entry(row.id) + " was altered (its hash does not match its contents)");
    }
    if (file_.what == audit_head_file::state::present && file_.head.id == row.id &&
        !same(file_.head.hash, want)) {
        return broken(row.id, entry(row.id) + " is not the entry " +
                                  std::string(audit_head_file_name) +
                                  " names (the log was rewritten from there on)");
    }
    last_ = {row.id, want};
    ++verdict_.entries;
    return true;
}

audit_verdict audit_verifier::finish(const std::optional<audit_head>& db_head) {
    if (verdict_.first_broken != 0) return verdict_;
    const std::int64_t last = last_.id;
    const std::string ends = "the log ends at " + entry(last);
    if (!db_head) {
        broken(last + 1, "the database's chain head (table audit_head) is missing; " + ends);
        return verdict_;
    }
    if (db_head->id > last) {
        broken(last + 1, entry(last + 1) + " is missing: " + ends +
                             " but the database's chain head names " + entry(db_head->id) +
                             " (the end was cut off)");
        return verdict_;
    }
    if (db_head->id < last) {
        broken(db_head->id + 1, entry(db_head->id + 1) + " is past the database's chain head, " +
                                    entry(db_head->id) + " (the head was set back)");
        return verdict_;
    }
    if (!same(db_head->hash, last_.hash)) {
        broken(last == 0 ? 1 : last,
               last == 0 ? "the log is empty but the database's chain head is not empty"
                         : entry(last) + " does not match the database's chain head");
        return verdict_;
    }
    if (file_.what == audit_head_file::state::unreadable) {
        broken(last + 1, std::string(audit_head_file_name) +
                             " cannot be read, so the end of the log cannot be checked; " + ends);
        return verdict_;
    }
    if (file_.what == audit_head_file::state::present && file_.head.id > last) {
        broken(last + 1, entry(last + 1) + " is missing: " + ends + " but " + audit_head_file_name +
                             " names " + entry(file_.head.id) +
                             " (the end was cut off, or the database restored from an older "
                             "copy)");
        return verdict_;
    }
    verdict_.ok = true;
    verdict_.head_id = last;
    verdict_.head_hash = to_hex(last_.hash);
    verdict_.head_file_found = file_.what == audit_head_file::state::present;
    return verdict_;
}

}  // namespace circles::storage::detail

#include "sqlite_wal_vfs.hpp"

#include <sqlite3.h>

#include <cstddef>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace circles::storage::detail {
namespace {

constexpr const char* vfs_name = "circles-wal-gather";
constexpr int wal_frame_header_bytes = 24;

sqlite3_vfs* real_vfs = nullptr;  // the platform's default, set once at registration
sqlite3_vfs gathering_vfs{};

// What a WAL file holds beside the real file: the run of writes not yet handed to it.
struct gathered {
    std::string bytes;  // contiguous, starting at `offset`
    sqlite3_int64 offset = 0;
    sqlite3_int64 last_end = -1;     // where the previous write ended
    bool commit_frame_next = false;  // the last write was a commit frame's header
    bool enabled = true;             // false: every write goes straight to the file
};

// Laid out by SQLite in szOsFile bytes: this header, then the real file.
struct wal_file {
    sqlite3_file base;
    sqlite3_file* real;
    gathered* pending;
};

constexpr std::size_t real_offset = (sizeof(wal_file) + 7) & ~std::size_t{7};

wal_file& self(sqlite3_file* f) { return *reinterpret_cast<wal_file*>(f); }
sqlite3_file* real(sqlite3_file* f) { return self(f).real; }

// On failure the run is kept, so the next flush (at the latest the commit's sync or its last
// write) tries it again and fails that commit: nothing SQLite wrote is dropped silently.
int flush(wal_file& f) {
    gathered& g = *f.pending;
    if (g.bytes.empty()) return SQLITE_OK;
    const int rc = f.real->pMethods->xWrite(f.real, g.bytes.data(),
                                            static_cast<int>(g.bytes.size()), g.offset);
    if (rc == SQLITE_OK) g.bytes.clear();
    return rc;
}

// Before a call that is not a write: a failed flush is an I/O error to SQLite there, which
// fails the whole transaction (a read that answered SQLITE_FULL would fail one statement).
int flush_before(sqlite3_file* f) {
    return flush(self(f)) == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

// A WAL frame header holds, in bytes 4..7, the database size after the commit for the last
// frame of a commit, and zero for every other frame.
bool is_commit_frame_header(const void* data, int amount) {
    if (amount != wal_frame_header_bytes) return false;
    const auto* b = static_cast<const unsigned char*>(data);
    return (b[4] | b[5] | b[6] | b[7]) != 0;
}

int x_close(sqlite3_file* f) {
    wal_file& w = self(f);
    const int flushed = flush(w);
    const int closed = w.real->pMethods ? w.real->pMethods->xClose(w.real) : SQLITE_OK;
    delete w.pending;
    w.pending = nullptr;
    return flushed != SQLITE_OK ? flushed : closed;
}

int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
    const gathered& g = *self(f).pending;
    const auto end = g.offset + static_cast<sqlite3_int64>(g.bytes.size());
    if (!g.bytes.empty() && offset < end && offset + amount > g.offset) {
        if (const int rc = flush_before(f); rc != SQLITE_OK) return rc;
    }
    return real(f)->pMethods->xRead(real(f), out, amount, offset);
}

// Only writes that go on from where the previous one ended are gathered. Anything else (the
// WAL header at a restart, a frame header rewritten in place when SQLite fixes checksums)
// writes out the run, then goes straight to the file, so a rewrite never waits in memory.
int x_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
    wal_file& w = self(f);
    gathered& g = *w.pending;
    const bool completes_commit = g.commit_frame_next;
    const auto size = static_cast<std::size_t>(amount);
    const bool goes_on = offset == g.last_end;
    if (!g.bytes.empty() && (!goes_on || g.bytes.size() + size > max_gathered_bytes)) {
        if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    }
    g.last_end = offset + amount;
    g.commit_frame_next = is_commit_frame_header(data, amount);
    if (!g.enabled || !goes_on || size >= max_gathered_bytes) {
        return w.real->pMethods->xWrite(w.real, data, amount, offset);
    }
    if (g.bytes.empty()) g.offset = offset;
    g.bytes.append(static_cast<const char*>(data), size);
    if (completes_commit || g.bytes.size() >= max_gathered_bytes) return flush(w);
    return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (const int rc = flush_before(f); rc != SQLITE_OK) return rc;
    return real(f)->pMethods->xTruncate(real(f), size);
}

int x_sync(sqlite3_file* f, int flags) {
    if (const int rc = flush(self(f)); rc != SQLITE_OK) return rc;
    return real(f)->pMethods->xSync(real(f), flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
    if (const int rc = flush_before(f); rc != SQLITE_OK) return rc;
    return real(f)->pMethods->xFileSize(real(f), size);
}

int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) {
    return real(f)->pMethods->xDeviceCharacteristics(real(f));
}

// Version 1: SQLite maps shared memory and pages of the database file only, never of a WAL.
const sqlite3_io_methods wal_methods = {
    1,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
    if ((flags & SQLITE_OPEN_WAL) == 0) {
        // Everything but a WAL is the real file itself, in the same memory.
        return real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
    }
    wal_file& w = self(f);
    w.base.pMethods = nullptr;
    w.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + real_offset);
    w.real->pMethods = nullptr;
    w.pending = new (std::nothrow) gathered;
    if (!w.pending) return SQLITE_NOMEM;
    const int rc = real_vfs->xOpen(real_vfs, name, w.real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (w.real->pMethods) w.real->pMethods->xClose(w.real);
        delete w.pending;
        w.pending = nullptr;
        return rc;
    }
    // Without power-safe overwrite SQLite pads a commit to a sector and syncs in the middle of
    // a write; the rest of that write would wait here. Such a WAL is written as it comes.
    // SQLite asks the database file, whose `psow` URI parameter a WAL's name also carries.
    const int device = w.real->pMethods->xDeviceCharacteristics(w.real);
    w.pending->enabled = (device & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0 &&
                         sqlite3_uri_boolean(name, "psow", 1) != 0;
    w.base.pMethods = &wal_methods;
    return SQLITE_OK;
}

}  // namespace

const char* wal_gathering_vfs() {
    static std::once_flag once;
    static int registered = SQLITE_ERROR;
    std::call_once(once, [] {
        real_vfs = sqlite3_vfs_find(nullptr);
        if (!real_vfs) return;
        gathering_vfs = *real_vfs;  // every call but xOpen answers as the default does
        gathering_vfs.pNext = nullptr;
        gathering_vfs.zName = vfs_name;
        gathering_vfs.szOsFile = static_cast<int>(real_offset) + real_vfs->szOsFile;
        gathering_vfs.xOpen = x_open;
        registered = sqlite3_vfs_register(&gathering_vfs, 0);
    });
    if (registered != SQLITE_OK) {
        throw std::runtime_error("cannot register the SQLite WAL-gathering VFS");
    }
    return vfs_name;
}

}  // namespace circles::storage::detail

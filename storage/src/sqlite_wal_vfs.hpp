#pragma once
// A SQLite VFS that gathers the writes of a commit to the write-ahead log into one.
//
// SQLite writes each WAL frame with two calls (its 24-byte header, then the page), so a commit
// of ten pages is twenty pwrite(2) calls, each paying the syscall and the file system's
// per-call work. This VFS wraps the platform's default one: for a WAL file it keeps writes
// that go on from where the previous one ended in memory and hands the run to the file in a
// single write when the commit's last frame is complete, before a sync, a read of it, a size
// query or a truncation, when the run reaches `max_gathered_bytes`, and at close. A write
// elsewhere (a header at a WAL restart, a frame rewritten in place) writes out the run and
// then goes straight through. A WAL on a device without power-safe overwrite is not gathered
// (SQLite pads its commits and syncs in the middle of a write there). Every other file, and
// every other call, goes straight through.
//
// Nothing another connection could see is held back: a reader trusts a frame only after the
// commit that holds it is in the WAL index, and SQLite syncs the WAL (synchronous=FULL, every
// Circles connection) or at least writes the commit frame before it updates the index. A
// failed gathered write keeps the run and is answered by the call that flushes it: a write or
// sync with its own error, anything else with SQLITE_IOERR_WRITE, so SQLite fails the
// transaction.
namespace circles::storage::detail {

// The VFS's name, registered (not as the default) on first call; pass it to sqlite3_open_v2.
const char* wal_gathering_vfs();

// Limit: the most bytes held for one WAL file before they are written out, and the most one
// write hands to the real file (SQLite's unix VFS takes writes of under 128 KiB only).
inline constexpr unsigned max_gathered_bytes = 64u << 10;

}  // namespace circles::storage::detail

#pragma once
// A SQLite VFS that gathers the writes of a commit to the write-ahead log into one.
//
// SQLite writes each WAL frame with two calls (its 24-byte header, then the page), so a commit
// of ten pages is twenty pwrite(2) calls, each paying the syscall and the file system's
// per-call work. This VFS wraps the platform's default one: for a WAL file it keeps the
// writes that extend one contiguous run in memory and hands the run to the file in a single
// write when the commit's last frame is complete, before a sync, a read, a size query or a
// truncation of that file, when the run reaches `max_gathered_bytes`, and at close. Every
// other file, and every other call, goes straight through.
//
// Nothing another connection could see is held back: a reader trusts a frame only after the
// commit that holds it has been written and the WAL index updated, and the run is written
// when the commit frame is, before SQLite updates the index. A failed gathered write is
// answered by the call that flushes it (the commit's last write or its sync), so SQLite rolls
// the transaction back as it would after a failed pwrite.
namespace circles::storage::detail {

// The VFS's name, registered (not as the default) on first call; pass it to sqlite3_open_v2.
const char* wal_gathering_vfs();

// Limit: the most bytes held for one WAL file before they are written out, and the most one
// write hands to the real file (SQLite's unix VFS takes writes of under 128 KiB only).
inline constexpr unsigned max_gathered_bytes = 64u << 10;

}  // namespace circles::storage::detail

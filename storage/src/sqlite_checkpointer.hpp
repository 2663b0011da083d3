#pragma once
// Moves WAL checkpoints off the commit path of the SQLite writer.
//
// By default SQLite checkpoints inside the COMMIT that takes the WAL past 1000 pages: that
// commit copies the pages into the database file and fsyncs it before it returns, so every
// few batches one batch (and every send waiting in it) takes an extra disk flush. Here a
// writing connection's WAL hook only counts pages and wakes this thread each time the WAL has
// grown by checkpoint_pages, and this thread checkpoints PASSIVE on its own connection: it
// copies what no reader still needs, never blocks the writer or the readers, and fsyncs the
// database file on its own time (itself: SQLite syncs it only after a pass that reached the
// WAL's end, which under load the writer's commits rarely let one do). A pass copies the
// newest frame of each page once, so passes further apart copy a hot page (a room's leaf,
// taking a message per batch) fewer times.
//
// SQLite rewinds the WAL to its start only in a write transaction that begins after a
// complete checkpoint, so under steady load, with the writer always a commit ahead of the
// background pass, the WAL would grow without bound. Once the WAL is past rewind_pages, this
// thread repeats its pass until one finds little new (settle_frames), then says it has caught
// up, and the writer, between batches, copies the few frames committed since and so lets its
// next transaction rewind the WAL (finish_between_batches): a short pause, once per
// rewind_pages. Should the background fall behind (a starved thread, a long read), the writer
// completes the checkpoint itself once the WAL is past restart_pages.
//
// Durability is unchanged: a commit is durable once the WAL is synced (synchronous=FULL),
// which COMMIT still does before any append is acknowledged.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sqlite_db.hpp"

namespace circles::storage::detail {

class sqlite_checkpointer {
  public:
    // Always given by the store (store_options holds the defaults).
    struct limits {
        int checkpoint_pages;
        int rewind_pages;
        int restart_pages;
    };
    // A pass of the settling loop that copied fewer new frames than this has caught up.
    static constexpr int settle_frames = 64;
    static constexpr int max_settle_passes = 8;

    // Opens its own connection to `file`; throws std::runtime_error as database does.
    sqlite_checkpointer(const std::filesystem::path& file, limits lim);
    ~sqlite_checkpointer();  // stop()
    sqlite_checkpointer(const sqlite_checkpointer&) = delete;
    sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;

    // Takes over a writing connection's WAL hook (turning its autocheckpoint off) until
    // stop(). Called before the connection is shared with another thread. `committed`, if
    // given, runs on the committing thread after each of that connection's commits, once the
    // commit is visible to readers; it must not do I/O.
    void watch(database& writer, std::function<void()> committed = {});
    // On the writer's thread, outside any transaction, after a batch's callbacks have run.
    void finish_between_batches(database& writer);
    void stop();
    // No pass is due or running. A caller that waits for this after each commit loads the WAL
    // below saturation, where every pass settles; the checkpointer's tests do.
    bool idle() const;

  private:
    static int on_commit(void* self, sqlite3* db, const char* name, int pages);
    void run();
    void pass();  // one round of background checkpointing, on this thread
    void sync_database_file();  // fsync circles.db after a pass copied pages; aborts if it fails

    const limits lim_;
    database db_;
    // The WAL's length and backfilled frames as of this thread's last sync of the database
    // file: a pass that finds both as they were copied nothing since, and has nothing to sync.
    struct wal_state {
        int wal = -1;
        int copied = -1;
    } synced_;
    struct watched {
        sqlite3* db;
        std::function<void()> committed;
    };
    std::vector<watched> watched_;  // fixed once the connections are shared
    std::atomic<bool> restart_due_{false};
    std::atomic<int> next_pass_pages_;    // the WAL size at which the next pass is due
    std::atomic<bool> caught_up_{false};  // a pass copied a WAL past rewind_pages, nearly all
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;
    bool running_ = false;  // a pass is under way
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace circles::storage::detail

#pragma once
// Moves WAL checkpoints off the commit path of the SQLite writer.
//
// By default SQLite checkpoints inside the COMMIT that takes the WAL past 1000 pages: that
// commit copies the pages into the database file and fsyncs it before it returns, so every
// few batches one batch (and every send waiting in it) takes an extra disk flush. Here a
// writing connection's WAL hook only counts pages and wakes this thread, which checkpoints
// PASSIVE on its own connection: it copies what no reader still needs, never blocks the
// writer or the readers, and fsyncs the database file on its own time.
//
// A checkpoint that runs beside a busy writer never quite finishes (new frames arrive while
// it copies), and SQLite only rewinds the WAL to its start after a complete one, so under
// steady load the WAL would grow without bound. Past wal_restart_pages the writer therefore
// finishes the job itself, between batches (finish_between_batches): what is left to copy is
// what arrived since the last background pass, and the next transaction rewinds the WAL.
//
// Durability is unchanged: a commit is durable once the WAL is synced (synchronous=FULL),
// which COMMIT still does before any append is acknowledged.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "sqlite_db.hpp"

namespace circles::storage::detail {

class sqlite_checkpointer {
  public:
    // Opens its own connection to `file`; throws std::runtime_error as database does.
    sqlite_checkpointer(const std::filesystem::path& file, int wal_pages, int wal_restart_pages);
    ~sqlite_checkpointer();  // stop()
    sqlite_checkpointer(const sqlite_checkpointer&) = delete;
    sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;

    // Takes over a writing connection's WAL hook (turning its autocheckpoint off) until
    // stop(). Called before the connection is shared with another thread.
    void watch(database& writer);
    // On the writer's thread, outside any transaction, after a batch's callbacks have run.
    void finish_between_batches(database& writer);
    void stop();

  private:
    static int on_commit(void* self, sqlite3* db, const char* name, int pages);
    void run();

    const int wal_pages_;
    const int wal_restart_pages_;
    database db_;
    std::vector<sqlite3*> watched_;
    std::atomic<bool> restart_due_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace circles::storage::detail

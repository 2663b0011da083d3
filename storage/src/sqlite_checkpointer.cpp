#include "sqlite_checkpointer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace circles::storage::detail {

sqlite_checkpointer::sqlite_checkpointer(const std::filesystem::path& file, limits lim)
    : lim_(lim), db_(file, database::mode::read_write), next_pass_pages_(lim.checkpoint_pages) {
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "store-ckpt");
        run();
    });
}

sqlite_checkpointer::~sqlite_checkpointer() { stop(); }

void sqlite_checkpointer::watch(database& writer, std::function<void()> committed) {
    watched_.push_back({writer.handle(), std::move(committed)});
    sqlite3_wal_hook(writer.handle(), &sqlite_checkpointer::on_commit, this);
}

void sqlite_checkpointer::stop() {
    for (const auto& w : watched_) sqlite3_wal_hook(w.db, nullptr, nullptr);
    watched_.clear();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

// On the committing connection's thread, right after a commit: no I/O here. `pages` is the
// WAL's length in frames.
int sqlite_checkpointer::on_commit(void* self, sqlite3* db, const char*, int pages) {
    auto* c = static_cast<sqlite_checkpointer*>(self);
    for (const auto& w : c->watched_) {
        if (w.db == db && w.committed) w.committed();
    }
    if (pages >= c->lim_.restart_pages) c->restart_due_.store(true, std::memory_order_relaxed);
    int next = c->next_pass_pages_.load(std::memory_order_relaxed);
    // Shorter than when the last pass was due: the WAL was rewound; count from its start.
    if (pages + c->lim_.checkpoint_pages < next) next = c->lim_.checkpoint_pages;
    if (pages < next) return SQLITE_OK;
    c->next_pass_pages_.store(pages + c->lim_.checkpoint_pages, std::memory_order_relaxed);
    {
        std::lock_guard lock(c->mutex_);
        c->due_ = true;
    }
    c->wake_.notify_one();
    return SQLITE_OK;
}

bool sqlite_checkpointer::idle() const {
    std::lock_guard lock(mutex_);
    return !due_ && !running_;
}

void sqlite_checkpointer::finish_between_batches(database& writer) {
    if (!restart_due_.load(std::memory_order_relaxed) &&
        !caught_up_.load(std::memory_order_relaxed)) {
        return;
    }
    int wal = 0;
    int copied = 0;
    // SQLITE_BUSY: the background pass holds the checkpoint lock; try after the next batch.
    const int rc = sqlite3_wal_checkpoint_v2(writer.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                             &wal, &copied);
    if (rc == SQLITE_OK && copied == wal) {
        restart_due_.store(false, std::memory_order_relaxed);
        caught_up_.store(false, std::memory_order_relaxed);
    }
}

void sqlite_checkpointer::pass() {
    int before = -1;  // the WAL's length when the previous pass of this round completed
    for (int n = 0; n < max_settle_passes; ++n) {
        // The writer is completing a checkpoint itself: holding the checkpoint lock here would
        // only make it wait another batch.
        if (restart_due_.load(std::memory_order_relaxed)) return;
        int wal = 0;
        int copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(db_.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                                 &wal, &copied);
        if (rc != SQLITE_OK) {
            if (rc != SQLITE_BUSY) spdlog::warn("storage: checkpoint failed: {}", db_.errmsg());
            return;
        }
        if (copied != synced_.copied || wal != synced_.wal) {  // anything new since
            sync_database_file();
            synced_ = {wal, copied};
        }
        // Incomplete (a reader still needs older frames), rewound meanwhile, or too short to
        // rewind yet: the next pass is due with the next growth.
        if (copied != wal || wal < before || wal < lim_.rewind_pages) return;
        if (before >= 0 && wal - before < settle_frames) {
            caught_up_.store(true, std::memory_order_relaxed);
            return;
        }
        // A whole growth step arrived during the last pass: the writer is outpacing the
        // copying (a burst, or past saturation), and further passes would not settle. The next
        // step wakes this thread again; past restart_pages the writer finishes the job.
        if (before >= 0 && wal - before >= lim_.checkpoint_pages) return;
        before = wal;
    }
}

// SQLite syncs the database file at the end of a checkpoint only when the checkpoint reached
// the WAL's end as it is by then; under steady load the writer has nearly always committed
// during the copy, so a background pass leaves what it copied unsynced, and the checkpoint
// that finally catches up -- the writer's, between batches, before it rewinds the WAL --
// flushed all of it while every send waited (27-33 ms on a grown database). Syncing here
// moves that flush off the commit path. Nothing is less durable: every rewind still follows a
// checkpoint that reached the WAL's end and synced the file.
//
// A failed sync ends the process. Linux reports a write-back error once to each open file and
// may drop the pages it could not write, so this connection's next sync -- the one SQLite makes
// when a pass reaches the WAL's end, right before the WAL may be rewound -- would succeed with
// those pages on no disk, and their only copy, the WAL's frames, would be overwritten. Stopped
// now, the WAL is intact: recovery at the next start copies every frame again.
void sqlite_checkpointer::sync_database_file() {
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        file == nullptr || file->pMethods == nullptr) {
        return;  // no file to sync: SQLite's own checkpoint syncs as it always did
    }
    if (const int rc = file->pMethods->xSync(file, SQLITE_SYNC_NORMAL); rc != SQLITE_OK) {
        spdlog::critical(
            "storage: syncing the database file after a checkpoint failed ({}); stopping so "
            "that no acknowledged message is lost (the WAL still holds it)",
            sqlite3_errstr(rc));
        spdlog::default_logger()->flush();
        std::abort();
    }
}

void sqlite_checkpointer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return due_ || stopping_; });
        if (stopping_) return;  // closing the last connection checkpoints what is left
        due_ = false;
        running_ = true;
        lock.unlock();
        pass();
        lock.lock();
        running_ = false;
    }
}

}  // namespace circles::storage::detail

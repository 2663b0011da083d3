#include "sqlite_checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace circles::storage::detail {

sqlite_checkpointer::sqlite_checkpointer(const std::filesystem::path& file, int wal_pages,
                                         int wal_restart_pages)
    : wal_pages_(wal_pages),
      wal_restart_pages_(wal_restart_pages),
      db_(file, database::mode::read_write) {
    thread_ = std::thread([this] { run(); });
}

sqlite_checkpointer::~sqlite_checkpointer() { stop(); }

void sqlite_checkpointer::watch(database& writer) {
    watched_.push_back(writer.handle());
    sqlite3_wal_hook(writer.handle(), &sqlite_checkpointer::on_commit, this);
}

void sqlite_checkpointer::stop() {
    for (sqlite3* db : watched_) sqlite3_wal_hook(db, nullptr, nullptr);
    watched_.clear();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

// On the committing connection's thread, right after a commit: no I/O here.
int sqlite_checkpointer::on_commit(void* self, sqlite3*, const char*, int pages) {
    auto* c = static_cast<sqlite_checkpointer*>(self);
    if (pages >= c->wal_restart_pages_) c->restart_due_.store(true, std::memory_order_relaxed);
    if (pages >= c->wal_pages_) {
        {
            std::lock_guard lock(c->mutex_);
            c->due_ = true;
        }
        c->wake_.notify_one();
    }
    return SQLITE_OK;
}

void sqlite_checkpointer::finish_between_batches(database& writer) {
    if (!restart_due_.load(std::memory_order_relaxed)) return;
    int wal = 0;
    int copied = 0;
    // SQLITE_BUSY: the background pass holds the checkpoint lock; try after the next batch.
    const int rc = sqlite3_wal_checkpoint_v2(writer.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                             &wal, &copied);
    if (rc == SQLITE_OK && copied == wal) restart_due_.store(false, std::memory_order_relaxed);
}

void sqlite_checkpointer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return due_ || stopping_; });
        if (stopping_) return;  // closing the last connection checkpoints what is left
        due_ = false;
        lock.unlock();
        int wal = 0;
        int copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(db_.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                                 &wal, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            spdlog::warn("storage: checkpoint failed: {}", db_.errmsg());
        }
        lock.lock();
    }
}

}  // namespace circles::storage::detail

#pragma once
// A fixed set of connections for synchronous reads, whatever the database. Each connection
// sees the last commit (SQLite in WAL mode, PostgreSQL at READ COMMITTED), so a read issued
// after an append's callback sees that message. A caller borrows one connection for one call;
// when all are out it waits (reads are short).
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace circles::storage::detail {

template <class Connection>
class read_pool {
  public:
    class lease {
      public:
        lease(read_pool& pool, Connection* db) : pool_(pool), db_(db) {}
        ~lease() { pool_.give_back(db_); }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        Connection& operator*() const noexcept { return *db_; }
        Connection* operator->() const noexcept { return db_; }

      private:
        read_pool& pool_;
        Connection* db_;
    };

    // Takes the opened connections (at least one).
    explicit read_pool(std::vector<std::unique_ptr<Connection>> connections)
        : all_(std::move(connections)) {
        if (all_.empty()) throw std::invalid_argument("read_pool needs a connection");
        for (auto& c : all_) free_.push_back(c.get());
    }

    lease acquire() {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [&] { return !free_.empty(); });
        Connection* db = free_.back();
        free_.pop_back();
        return lease(*this, db);
    }

  private:
    void give_back(Connection* db) {
        {
            std::lock_guard lock(mutex_);
            free_.push_back(db);
        }
        available_.notify_one();
    }

    std::vector<std::unique_ptr<Connection>> all_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<Connection*> free_;
};

}  // namespace circles::storage::detail

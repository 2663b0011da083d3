#pragma once
// A fixed set of read-only connections. In WAL mode readers never block the writer and see
// the last committed state, so a read issued after an append's callback sees that message.
// A caller borrows one connection for one call; when all are out it waits (reads are short).
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "sqlite_db.hpp"

namespace circles::storage::detail {

class read_pool {
  public:
    class lease {
      public:
        lease(read_pool& pool, database* db) : pool_(pool), db_(db) {}
        ~lease() { pool_.give_back(db_); }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        database& operator*() const noexcept { return *db_; }
        database* operator->() const noexcept { return db_; }

      private:
        read_pool& pool_;
        database* db_;
    };

    // Opens `count` (at least 1) read-only connections; throws std::runtime_error.
    read_pool(const std::filesystem::path& file, std::size_t count);

    lease acquire();

  private:
    void give_back(database* db);

    std::vector<std::unique_ptr<database>> all_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<database*> free_;
};

}  // namespace circles::storage::detail

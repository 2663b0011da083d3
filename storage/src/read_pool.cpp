#include "read_pool.hpp"

#include <algorithm>

namespace circles::storage::detail {

read_pool::read_pool(const std::filesystem::path& file, std::size_t count) {
    count = std::max<std::size_t>(count, 1);
    for (std::size_t i = 0; i < count; ++i) {
        all_.push_back(std::make_unique<database>(file, database::mode::read_only));
        free_.push_back(all_.back().get());
    }
}

read_pool::lease read_pool::acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !free_.empty(); });
    database* db = free_.back();
    free_.pop_back();
    return lease(*this, db);
}

void read_pool::give_back(database* db) {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(db);
    }
    available_.notify_one();
}

}  // namespace circles::storage::detail

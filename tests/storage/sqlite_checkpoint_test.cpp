// SQLite checkpoints run on their own thread (sqlite_checkpointer), not inside the writer's
// COMMIT: committed messages still reach the database file while the store is open, and the
// WAL does not grow without bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using namespace std::chrono_literals;
using testing::append_and_wait;
using testing::make_request;

std::uintmax_t size_of(const std::filesystem::path& p) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(p, ec);
    return ec ? 0 : n;
}

// Waits up to 30 s for `done`; the checkpointer runs on its own time.
template <class Pred>
bool eventually(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

TEST(SqliteCheckpoint, CommittedMessagesReachTheDatabaseFileAndTheWalStaysBounded) {
    testing::temp_dir tmp;
    const auto options = testing::options_in(tmp.path());
    auto s = testing::seed(open_sqlite_store(options));
    const auto db_file = options.data_dir / "circles.db";
    const auto wal_file = options.data_dir / "circles.db-wal";
    const room_id room = s.rooms[0].id;
    const std::string text(16000, 'x');  // sealed, four pages a message

    // About 128 MB of messages in batches of 200 (3 MB), steadily: three times the WAL size
    // at which the writer completes a checkpoint (10,000 pages, about 40 MB).
    constexpr int chunks = 40;
    constexpr int per_chunk = 200;
    constexpr std::uintmax_t total = std::uintmax_t{chunks} * per_chunk * 16000;
    std::uintmax_t wal_max = 0;
    int n = 0;
    for (int c = 0; c < chunks; ++c) {
        for (int i = 0; i < per_chunk; ++i, ++n) {
            s.db->append(make_request(room, s.student.id, "m" + std::to_string(n), text),
                         [](result<append_result> r) { ASSERT_TRUE(r.has_value()); });
        }
        s.db->flush();
        wal_max = std::max(wal_max, size_of(wal_file));
    }
    // The WAL was rewound and written again rather than holding everything.
    EXPECT_LT(wal_max, total * 3 / 4);
    // Every message reaches circles.db without the store closing.
    EXPECT_TRUE(eventually([&] { return size_of(db_file) >= total; }))
        << "circles.db holds " << size_of(db_file) << " of " << total << " bytes";

    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_FALSE(page->messages.empty());
    EXPECT_EQ(page->messages.back().seq, static_cast<seq_t>(n));
    EXPECT_EQ(page->messages.back().text, text);
}

}  // namespace
}  // namespace circles::storage

// SQLite checkpoints run on their own thread (sqlite_checkpointer), not inside the writer's
// COMMIT: committed messages still reach the database file while the store is open, and the
// WAL does not grow without bound: it is rewound once a background pass has caught up, or,
// should the background fall behind, once the writer has completed a checkpoint itself.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "circles/storage/store.hpp"
#include "sqlite_checkpointer.hpp"
#include "sqlite_db.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using namespace std::chrono_literals;
using testing::append_and_wait;
using testing::eventually;
using testing::make_request;

std::uintmax_t size_of(const std::filesystem::path& p) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(p, ec);
    return ec ? 0 : n;
}

// Appends `chunks` batches of `per_chunk` messages of `text`, taking the rooms in turn, each
// batch flushed before the next; answers the longest the WAL file was after a batch. The
// messages' client ids count from `first_id`.
std::uintmax_t append_in_batches(testing::seeded_store& s, const std::filesystem::path& wal_file,
                                 int chunks, int per_chunk, const std::string& text,
                                 int first_id = 0) {
    std::uintmax_t wal_max = 0;
    int n = first_id;
    for (int c = 0; c < chunks; ++c) {
        for (int i = 0; i < per_chunk; ++i, ++n) {
            const room_id room = s.rooms[static_cast<std::size_t>(n) % s.rooms.size()].id;
            s.db->append(make_request(room, s.student.id, "m" + std::to_string(n), text),
                         [](result<append_result> r) { ASSERT_TRUE(r.has_value()); });
        }
        s.db->flush();
        wal_max = std::max(wal_max, size_of(wal_file));
    }
    return wal_max;
}

TEST(SqliteCheckpoint, CommittedMessagesReachTheDatabaseFileAndTheWalStaysBounded) {
    testing::temp_dir tmp;
    auto options = testing::options_in(tmp.path());
    // A growth step a quarter of the rewind length, so that background passes come between
    // rewinds and can be seen on their own.
    options.wal_checkpoint_pages = 1000;
    ASSERT_EQ(options.wal_rewind_pages, 4000);
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
    // Two batches first (about 1,600 pages): past wal_checkpoint_pages, short of the WAL
    // lengths at which the writer rewinds or completes a checkpoint itself. Only a background
    // pass, due once the WAL reached wal_checkpoint_pages, can have copied pages into
    // circles.db by now (it copies what was committed when it started, at least the first
    // half of that growth step; the empty store's file is a few dozen pages).
    constexpr int first = 2;
    static_assert(first * per_chunk * 4 > 1000 && first * per_chunk * 4 < 4000);
    std::uintmax_t wal_max = append_in_batches(s, wal_file, first, per_chunk, text);
    const std::uintmax_t one_pass = std::uintmax_t(options.wal_checkpoint_pages) * 4096 / 2;
    EXPECT_TRUE(eventually([&] { return size_of(db_file) >= one_pass; }))
        << "no background pass copied the first batches: circles.db holds " << size_of(db_file)
        << " bytes";
    wal_max = std::max(wal_max, append_in_batches(s, wal_file, chunks - first, per_chunk, text,
                                                  first * per_chunk));
    const int n = chunks * per_chunk;
    // The WAL was rewound and written again rather than holding everything.
    EXPECT_LT(wal_max, total * 3 / 4);
    // The messages reach circles.db without the store closing: a background pass is due per
    // wal_checkpoint_pages of WAL growth, so all but at most the stretch written since the
    // last one (the loaded store never idles into an extra pass).
    const std::uintmax_t since_last_pass = std::uintmax_t(options.wal_checkpoint_pages) * 4096;
    EXPECT_TRUE(eventually([&] { return size_of(db_file) + since_last_pass >= total; }))
        << "circles.db holds " << size_of(db_file) << " of " << total << " bytes";

    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_FALSE(page->messages.empty());
    EXPECT_EQ(page->messages.back().seq, static_cast<seq_t>(n));
    EXPECT_EQ(page->messages.back().text, text);
    // Closed, the store leaves every message in circles.db.
    s.db.reset();
    EXPECT_GE(size_of(db_file), total);
}

// The defaults, under a stream faster than any server's (batches back to back): the WAL stays
// within the writer's backstop and a batch, and every message reaches circles.db.
TEST(SqliteCheckpoint, WithTheDefaultsTheWalIsRewoundAndEveryMessageReachesTheFile) {
    testing::temp_dir tmp;
    const auto options = testing::options_in(tmp.path());
    ASSERT_LT(options.wal_checkpoint_pages, options.wal_rewind_pages);
    auto s = testing::seed(open_sqlite_store(options));
    const auto db_file = options.data_dir / "circles.db";
    const auto wal_file = options.data_dir / "circles.db-wal";
    const std::string text(16000, 'x');  // sealed, four pages a message
    // About 19,200 pages in batches of 800: more than four rewind lengths.
    constexpr int chunks = 24;
    constexpr int per_chunk = 200;
    constexpr std::uintmax_t total = std::uintmax_t{chunks} * per_chunk * 16000;
    const std::uintmax_t wal_max = append_in_batches(s, wal_file, chunks, per_chunk, text);
    // Rewound, not grown to hold everything: at most the backstop length and a batch (800
    // pages of text and their index pages).
    EXPECT_LT(wal_max, std::uintmax_t(options.wal_restart_pages + 2000) * 4120);
    const std::uintmax_t step = std::uintmax_t(options.wal_checkpoint_pages) * 4096;
    EXPECT_TRUE(eventually([&] { return size_of(db_file) + step >= total; }))
        << "circles.db holds " << size_of(db_file) << " of " << total << " bytes";
    auto page = s.db->history(s.rooms[0].id, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_FALSE(page->messages.empty());
    EXPECT_EQ(page->messages.back().text, text);
    s.db.reset();
    EXPECT_GE(size_of(db_file), total);
}

TEST(SqliteCheckpoint, TheWriterKeepsTheWalShortAndEveryMessageThroughManyRewinds) {
    testing::temp_dir tmp;
    auto options = testing::options_in(tmp.path());
    // The writer alone rewinds the WAL here: it completes a checkpoint itself past 400 pages
    // (1.6 MB), and no background pass is ever due, so none can hold the checkpoint lock and
    // make the writer's attempt wait a batch; the WAL's bound does not depend on how much of
    // a core the background thread gets. SqliteCheckpointer below tests the background passes.
    options.wal_checkpoint_pages = 1'000'000;
    options.wal_rewind_pages = 200;
    options.wal_restart_pages = 400;
    auto s = testing::seed(open_sqlite_store(options), 2);
    const auto wal_file = options.data_dir / "circles.db-wal";
    const std::string text(4000, 'y');  // a page or two a message

    // About 16 MB in batches of 20, as fast as the writer goes.
    constexpr int chunks = 200;
    constexpr int per_chunk = 20;
    constexpr std::uintmax_t total = std::uintmax_t{chunks} * per_chunk * 4000;
    // Two rooms, so a batch takes more than one leaf page.
    const std::uintmax_t wal_max = append_in_batches(s, wal_file, chunks, per_chunk, text);
    const int n = chunks * per_chunk;
    // The file keeps the longest the WAL ever was; had the writer never let it rewind, it
    // would hold everything.
    EXPECT_LT(wal_max, total / 4) << "the WAL reached " << wal_max << " bytes";

    // Every message is there, in order, on both rooms; the seq goes on where it was.
    for (int r = 0; r < 2; ++r) {
        auto room = s.db->get_room(s.rooms[r].id);
        ASSERT_TRUE(room.has_value());
        EXPECT_EQ(room->last_seq, static_cast<seq_t>(n / 2));
        auto page = s.db->history(s.rooms[r].id, 0, 1);
        ASSERT_TRUE(page.has_value());
        ASSERT_EQ(page->messages.size(), 1u);
        EXPECT_EQ(page->messages.back().text, text);
    }
    append_and_wait(*s.db, make_request(s.rooms[0].id, s.student.id, "after", "one more"));
    EXPECT_EQ(s.db->get_room(s.rooms[0].id)->last_seq, static_cast<seq_t>(n / 2 + 1));
}

// The background passes alone, with the writer's completing checkpoint out of the way. Below
// saturation (here each commit waits until no pass is due or running) every pass copies the
// whole WAL, and the commit after it starts the WAL again: it never reaches rewind_pages.
// Under saturation, where a commit lands during every pass, that bound is the settling
// passes' and finish_between_batches' work, and how often it holds depends on how much of a
// core the background thread gets; the test above bounds the WAL by restart_pages instead.
TEST(SqliteCheckpointer, BelowSaturationEachPassLetsTheNextCommitRewindTheWal) {
    testing::temp_dir tmp;
    const auto file = tmp.path() / "ckpt.db";
    const auto wal_file = tmp.path() / "ckpt.db-wal";
    detail::database writer(file, detail::database::mode::read_write);
    ASSERT_EQ(writer.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)"), SQLITE_OK);
    const detail::sqlite_checkpointer::limits lim{
        .checkpoint_pages = 50, .rewind_pages = 200, .restart_pages = 1'000'000};
    detail::sqlite_checkpointer checkpointer(file, lim);
    checkpointer.watch(writer);

    // 200 commits of 20 rows of 4,000 bytes (a page a row): 16 MB in all.
    constexpr int commits = 200;
    constexpr int rows = 20;
    std::uintmax_t wal_max = 0;
    for (int c = 0; c < commits; ++c) {
        ASSERT_EQ(writer.exec("BEGIN IMMEDIATE"), SQLITE_OK);
        for (int r = 0; r < rows; ++r) {
            ASSERT_EQ(writer.prepare("INSERT INTO t(body) VALUES (randomblob(4000))").run(),
                      SQLITE_DONE);
        }
        ASSERT_EQ(writer.exec("COMMIT"), SQLITE_OK);
        ASSERT_TRUE(eventually([&] { return checkpointer.idle(); }));
        checkpointer.finish_between_batches(writer);
        wal_max = std::max(wal_max, size_of(wal_file));
    }
    // A pass is due every 50 pages and a commit writes about 22: the WAL peaks a few commits
    // past 50 pages, where without the passes it would hold all 16 MB (about 4,000 pages).
    constexpr std::uintmax_t frame = 4096 + 24;
    EXPECT_LT(wal_max, frame * lim.rewind_pages) << "the WAL reached " << wal_max << " bytes";

    auto count = writer.prepare("SELECT count(*) FROM t");
    ASSERT_EQ(count.step(), SQLITE_ROW);
    EXPECT_EQ(count.int64(0), commits * rows);
}

// Pages of `file` in the page cache not yet written back (dirty or under writeback), from
// cachestat(2) (Linux 6.5 and later); nullopt where the kernel does not have it.
std::optional<std::uint64_t> unsynced_pages(const std::filesystem::path& file) {
    struct range {
        std::uint64_t off, len;
    } whole{0, 0};  // len 0: to the end of the file
    struct counts {
        std::uint64_t cache, dirty, writeback, evicted, recently_evicted;
    } got{};
#ifdef SYS_cachestat
    constexpr long cachestat_syscall = SYS_cachestat;
#else
    constexpr long cachestat_syscall = 451;  // its number wherever the C library lacks it
#endif
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    const long rc = ::syscall(cachestat_syscall, fd, &whole, &got, 0);
    ::close(fd);
    if (rc != 0) return std::nullopt;
    return got.dirty + got.writeback;
}

void sync_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << file;
    EXPECT_EQ(::fsync(fd), 0) << file;
    ::close(fd);
}

// Commits `rows` rows of a page each.
void insert_pages(detail::database& db, int rows) {
    ASSERT_EQ(db.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    for (int r = 0; r < rows; ++r) {
        ASSERT_EQ(db.prepare("INSERT INTO t(body) VALUES (randomblob(4000))").run(), SQLITE_DONE);
    }
    ASSERT_EQ(db.exec("COMMIT"), SQLITE_OK);
}

// SQLite syncs the database file after a checkpoint only when it copied the WAL up to its end
// as it is then. Under load the writer commits during the copy and the background pass stops
// short; what it copied stayed unsynced until the writer's own checkpoint, just before a
// rewind, flushed it all while every send waited. A reader's older snapshot stops a pass short
// the same way, and here on purpose: the pages copied must reach the disk all the same.
TEST(SqliteCheckpointer, APassThatStopsShortOfTheWalsEndStillSyncsTheDatabaseFile) {
    testing::temp_dir tmp;
    const auto file = tmp.path() / "ckpt.db";
    detail::database writer(file, detail::database::mode::read_write);
    ASSERT_EQ(writer.exec("PRAGMA wal_autocheckpoint=0"), SQLITE_OK);
    ASSERT_EQ(writer.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)"), SQLITE_OK);
    if (!unsynced_pages(file)) GTEST_SKIP() << "this kernel has no cachestat(2)";
    {
        // A row of 4,000 bytes fills a page of 4 KiB: 40 rows are some 42 WAL frames, so the
        // first commit below stays under the 50 pages that make a pass due, the second not.
        auto size = writer.prepare("PRAGMA page_size");
        ASSERT_EQ(size.step(), SQLITE_ROW);
        ASSERT_EQ(size.int64(0), 4096);
    }

    // A reader holds a snapshot taken after the first commit, so a passive checkpoint copies
    // the first commit's pages and stops short of the second's.
    const auto stop_short = [&](detail::database& reader) {
        ASSERT_NO_FATAL_FAILURE(insert_pages(writer, 40));
        ASSERT_EQ(reader.exec("BEGIN"), SQLITE_OK);
        ASSERT_EQ(reader.prepare("SELECT count(*) FROM t").step(), SQLITE_ROW);
        ASSERT_NO_FATAL_FAILURE(insert_pages(writer, 40));
    };

    // SQLite alone: the copied pages are left for the kernel to write back in its own time.
    {
        detail::database reader(file, detail::database::mode::read_only);
        ASSERT_NO_FATAL_FAILURE(stop_short(reader));
        int wal = 0;
        int copied = 0;
        ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                            &wal, &copied),
                  SQLITE_OK);
        ASSERT_GT(copied, 0);
        ASSERT_LT(copied, wal) << "the reader's snapshot did not stop the checkpoint short";
        const auto left = unsynced_pages(file);
        ASSERT_TRUE(left);
        if (*left == 0) GTEST_SKIP() << "this file system shows no unsynced pages to count";
        ASSERT_EQ(reader.exec("COMMIT"), SQLITE_OK);
    }
    // Start again from an empty WAL and a clean file.
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.handle(), "main", SQLITE_CHECKPOINT_TRUNCATE,
                                        nullptr, nullptr),
              SQLITE_OK);
    ASSERT_NO_FATAL_FAILURE(sync_file(file));
    ASSERT_EQ(unsynced_pages(file), std::optional<std::uint64_t>(0));

    // The background pass, stopped short the same way, syncs what it copied.
    const detail::sqlite_checkpointer::limits lim{
        .checkpoint_pages = 50, .rewind_pages = 1'000'000, .restart_pages = 1'000'000};
    detail::sqlite_checkpointer checkpointer(file, lim);
    checkpointer.watch(writer);
    detail::database reader(file, detail::database::mode::read_only);
    const auto size_before = size_of(file);
    // 40 pages, then 40 more: the second commit makes a pass due.
    ASSERT_NO_FATAL_FAILURE(stop_short(reader));
    ASSERT_TRUE(eventually([&] { return checkpointer.idle(); }));
    EXPECT_GT(size_of(file), size_before) << "the pass copied nothing into the database file";
    const auto left = unsynced_pages(file);
    ASSERT_TRUE(left);
    EXPECT_EQ(*left, 0u) << "pages the background pass copied are not on disk";
    ASSERT_EQ(reader.exec("COMMIT"), SQLITE_OK);
}

}  // namespace
}  // namespace circles::storage

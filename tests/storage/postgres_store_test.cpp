// What only the PostgreSQL store promises: several nodes on one database, a failed batch that
// burns no seq, surviving dropped connections, and start-up errors that never show the
// password. Everything else it shares with SQLite is in the parameterised store tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::make_request;
using testing::temp_dir;
using testing::writer_hold;

class PostgresStore : public testing::postgres_test {};

// What one node saw: the seqs its callbacks acknowledged, in callback order.
struct node_acks {
    std::mutex mutex;
    std::vector<seq_t> seqs;
    std::atomic<int> failures{0};
};

TEST_F(PostgresStore, TwoStoresAppendToOneRoomConcurrentlyWithGapFreeSeqs) {
    auto options = this->options();
    options.max_batch = 32;  // many small batches, so the two nodes' batches interleave
    auto node_a = open_seeded(options);
    auto node_b = open(options);  // a second node: same database, same master.key
    const room_id room = node_a.rooms[0].id;
    const user_id sender = node_a.student.id;

    constexpr int per_node = 500;
    constexpr int threads_per_node = 4;
    node_acks acks_a, acks_b;
    auto produce = [&](store* node, node_acks* acks, std::string name, int thread) {
        for (int i = thread; i < per_node; i += threads_per_node) {
            const std::string id = name + "-" + std::to_string(i);
            node->append(make_request(room, sender, id, "text of " + id),
                         [acks](result<append_result> r) {
                             if (!r || r->duplicate) {
                                 ++acks->failures;
                                 return;
                             }
                             std::lock_guard lock(acks->mutex);
                             acks->seqs.push_back(r->seq);
                         });
        }
    };
    std::vector<std::thread> producers;
    for (int t = 0; t < threads_per_node; ++t) {
        producers.emplace_back(produce, node_a.db.get(), &acks_a, "a", t);
        producers.emplace_back(produce, node_b.get(), &acks_b, "b", t);
    }
    for (auto& p : producers) p.join();
    node_a.db->flush();
    node_b->flush();

    EXPECT_EQ(acks_a.failures.load(), 0);
    EXPECT_EQ(acks_b.failures.load(), 0);
    ASSERT_EQ(acks_a.seqs.size(), std::size_t{per_node});
    ASSERT_EQ(acks_b.seqs.size(), std::size_t{per_node});
    // Each node acknowledges in seq order.
    EXPECT_TRUE(std::is_sorted(acks_a.seqs.begin(), acks_a.seqs.end()));
    EXPECT_TRUE(std::is_sorted(acks_b.seqs.begin(), acks_b.seqs.end()));
    // Together: exactly 1..1000, no gap, no seq given twice.
    std::vector<seq_t> all = acks_a.seqs;
    all.insert(all.end(), acks_b.seqs.begin(), acks_b.seqs.end());
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1) << "at index " << i;

    // How often the room's history switches node (recorded, not asserted: the scheduler may
    // let one node finish first, and the seqs must be gap-free either way).
    int switches = 0;
    for (std::size_t i = 1; i < all.size(); ++i) {
        const bool a_now = std::binary_search(acks_a.seqs.begin(), acks_a.seqs.end(), all[i]);
        const bool a_before =
            std::binary_search(acks_a.seqs.begin(), acks_a.seqs.end(), all[i - 1]);
        switches += a_now != a_before;
    }
    RecordProperty("node_switches", switches);

    EXPECT_EQ(node_a.db->get_room(room)->last_seq, 1000u);
    EXPECT_EQ(node_b->get_room(room)->last_seq, 1000u);
    EXPECT_EQ(raw().scalar("SELECT count(DISTINCT seq) FROM messages"), 1000);
    // Each node reads, and opens, what the other wrote.
    for (store* node : {node_a.db.get(), node_b.get()}) {
        seq_t next = 1;
        for (seq_t after = 0; after < 1000; after += 500) {
            auto page = node->since(room, after, 500);
            ASSERT_TRUE(page.has_value());
            ASSERT_EQ(page->size(), 500u);
            for (const auto& m : *page) {
                EXPECT_EQ(m.seq, next++);
                EXPECT_EQ(m.text, "text of " + m.client_msg_id);
            }
        }
    }
}

TEST_F(PostgresStore, RetryOnAnotherNodeGetsTheOriginalSeq) {
    auto node_a = open_seeded();
    auto node_b = open();
    const room_id room = node_a.rooms[0].id;
    auto first = append_and_wait(*node_a.db, make_request(room, node_a.student.id, "m-1", "hi"));
    ASSERT_TRUE(first.has_value());
    auto retry = append_and_wait(*node_b, make_request(room, node_a.student.id, "m-1", "hi"));
    ASSERT_TRUE(retry.has_value());
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, first->seq);
    EXPECT_EQ(retry->created_at_ms, first->created_at_ms);
    auto next = append_and_wait(*node_b, make_request(room, node_a.student.id, "m-2", "there"));
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->seq, first->seq + 1);
}

TEST_F(PostgresStore, FailedBatchRollsBackWithoutBurningSeqs) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    // A statement the store cannot foresee failing: a trigger refusing one message.
    raw().exec(
        "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.client_msg_id = 'boom' THEN RAISE EXCEPTION 'refused by the test'; END IF;"
        " RETURN NEW; END $$");
    raw().exec(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON messages FOR EACH ROW"
        " EXECUTE FUNCTION refuse_boom()");
    std::vector<result<append_result>> got(3, errc::ok);
    {
        writer_hold hold(*s.db, room, s.student.id);  // seq 1; the next three share a batch
        int i = 0;
        for (const char* id : {"a", "boom", "c"}) {
            s.db->append(make_request(room, s.student.id, id, "x"),
                         [&got, n = i++](result<append_result> r) { got[n] = r; });
        }
    }
    s.db->flush();
    for (const auto& r : got) {
        ASSERT_FALSE(r.has_value()) << "a message of a rolled-back batch was acknowledged";
        EXPECT_EQ(r.error(), make_error_code(errc::io_error));
    }
    EXPECT_EQ(s.db->get_room(room)->last_seq, 1u);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM messages"), 1);

    raw().exec("DROP TRIGGER refuse_boom ON messages");
    auto again = append_and_wait(*s.db, make_request(room, s.student.id, "a", "x"));
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(again->duplicate) << "nothing of the failed batch was stored";
    EXPECT_EQ(again->seq, 2u) << "the failed batch burnt a seq";
}

TEST_F(PostgresStore, StoreReconnectsAfterTheServerDropsItsConnections) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    ASSERT_TRUE(append_and_wait(*s.db, make_request(room, s.student.id, "m-1", "before")));
    // What a server restart or a failover does to every connection of the store.
    const std::string others =
        " FROM pg_stat_activity WHERE datname = current_database() AND application_name = "
        "'circles'";
    EXPECT_GE(raw().scalar("SELECT count(*)" + others), 4);  // writer, directory, 2 readers
    raw().exec("SELECT pg_terminate_backend(pid)" + others);
    for (int i = 0; i < 500 && raw().scalar("SELECT count(*)" + others) > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(raw().scalar("SELECT count(*)" + others), 0);

    auto after = append_and_wait(*s.db, make_request(room, s.student.id, "m-2", "after"));
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->seq, 2u);
    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->messages.size(), 2u);
    EXPECT_EQ(page->messages[1].text, "after");
    EXPECT_TRUE(s.db->create_school("oak-hill", "Oak Hill").has_value());
    EXPECT_TRUE(s.db->get_room(room).has_value());
}

TEST(PostgresStoreStartup, UnreachableServerFailsWithOneLineWithoutThePassword) {
    temp_dir tmp;
    const std::string password = "s3cret-Pa55word";
    const std::string urls[] = {
        "postgresql://circles:" + password + "@127.0.0.1:1/circles",
        "postgres://circles:" + password + "@127.0.0.1:1/circles?connect_timeout=5",
        "postgresql://127.0.0.1:1/circles?user=circles&password=" + password,
        // Malformed: libpq quotes the bad part back, and here that is the password.
        "postgresql://circles:%zz" + password + "@127.0.0.1:1/circles",
    };
    for (const auto& url : urls) {
        try {
            open_store(url, testing::options_in(tmp.path()));
            ADD_FAILURE() << "connected to port 1";
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            EXPECT_EQ(what.find(password), std::string::npos) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
            EXPECT_NE(what.find("PostgreSQL"), std::string::npos) << what;
            EXPECT_NE(what.find("127.0.0.1"), std::string::npos) << what;
        }
    }
}

}  // namespace
}  // namespace circles::storage

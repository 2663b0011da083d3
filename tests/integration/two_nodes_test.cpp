// Two real Circles nodes sharing a real PostgreSQL and a real Redis: students on different
// nodes are in one conversation (every message, in seq order, exactly once), a message sent
// while Redis is down still reaches the other node's members once Redis is back, and /readyz
// follows Redis.
#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

#include "../cluster/redis_server.hpp"
#include "../storage/postgres_server.hpp"
#include "harness.hpp"

namespace circles::test {
namespace {

using namespace std::chrono_literals;

class TwoNodes : public ::testing::Test {
  protected:
    void SetUp() override {
        auto& pg = storage::testing::postgres_server::get();
        schema_ = pg.create_schema();
        const auto dir = make_temp_dir();
        // One master key for both nodes: they share the store (data_dir holds master.key).
        // node_id goes first (before [limits]): each node must tell its own Redis echo apart.
        const std::string config = "store = \"" + pg.url(schema_) + "\"\nbus = \"" + redis_.url() +
                                   "\"\npresence = \"" + redis_.url() +
                                   "\"\npresence_ttl_ms = 2000\n"
                                   "[limits]\nsend_rate_per_second = 50.0\nsend_burst = 50.0\n";
        node1_ = std::make_unique<server_process>(dir / "data", "node_id = \"n1\"\n" + config);
        node1_->start();  // seeds the demo school into PostgreSQL
        // The second node: its own config file next to a data folder with the same key.
        std::filesystem::create_directories(dir / "data2");
        std::filesystem::copy_file(dir / "data" / "master.key", dir / "data2" / "master.key");
        std::filesystem::permissions(dir / "data2", std::filesystem::perms::owner_all);
        node2_ = std::make_unique<server_process>(dir / "data2", "node_id = \"n2\"\n" + config);
        node2_->start();
        ASSERT_TRUE(wait_ready(*node1_));
        ASSERT_TRUE(wait_ready(*node2_));
    }
    void TearDown() override {
        node2_.reset();
        node1_.reset();
        storage::testing::postgres_server::get().drop_schema(schema_);
    }
    static bool wait_ready(const server_process& s, std::chrono::seconds limit = 15s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (http_request(s.port(), http::verb::get, "/readyz").status == 200) return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }
    client connect(server_process& s, const std::string& user) {
        return client(s.port(), login(s.port(), user), s.origin());
    }
    // Both join Lunch Bunch at once. No wait for the nodes' Redis SUBSCRIBEs: an event that
    // races one is caught up from the store (service::catch_up), which this exercises.
    static std::uint64_t join_both(client& a, client& b) {
        const auto room = a.room_id("Lunch Bunch");
        EXPECT_TRUE(a.join(room).has_joined());
        EXPECT_TRUE(b.join(room).has_joined());
        return room;
    }

    cluster::testing::redis_server redis_;
    std::string schema_;
    std::unique_ptr<server_process> node1_, node2_;
};

// The messages a client receives, in arrival order, until it has `n` (or time runs out).
std::vector<v1::MessageEvent> receive(client& c, std::size_t n, std::chrono::seconds limit = 20s) {
    std::vector<v1::MessageEvent> got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
        auto f = c.next(500ms);
        if (f && f->has_message()) got.push_back(f->message());
    }
    return got;
}

TEST_F(TwoNodes, StudentsOnDifferentNodesShareOneConversation) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = join_both(alex, sam);

    std::vector<std::pair<std::uint64_t, std::string>> sent;  // seq, text, in send order
    for (int i = 0; i < 10; ++i) {
        client& from = i % 2 ? sam : alex;
        const std::string text = "message number " + std::string(1, char('a' + i));
        const auto r = from.send_text(room, "two-" + std::to_string(i), text);
        ASSERT_TRUE(r.has_ack()) << r.DebugString();
        sent.emplace_back(r.ack().seq(), text);
    }
    for (std::size_t i = 1; i < sent.size(); ++i)
        ASSERT_EQ(sent[i].first, sent[i - 1].first + 1) << "one gap-free seq across both nodes";
    for (client* c : {&alex, &sam}) {
        const char* who = c == &alex ? "alex (node 1)" : "sam (node 2)";
        const auto got = receive(*c, sent.size());
        ASSERT_EQ(got.size(), sent.size()) << who;
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].seq(), sent[i].first) << who << ": in seq order, no gap";
            EXPECT_EQ(got[i].text(), sent[i].second) << who;
        }
        EXPECT_TRUE(receive(*c, 1, 1s).empty()) << who << ": nothing delivered twice";
    }
}

TEST_F(TwoNodes, ASendDuringARedisOutageReachesTheOtherNodeAfterwards) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = join_both(alex, sam);

    redis_.kill();
    // Nothing is lost: the message commits (and reaches node 1's own members) without Redis.
    const auto r = alex.send_text(room, "dark-1", "sent while the bus is down");
    ASSERT_TRUE(r.has_ack()) << r.DebugString();
    EXPECT_EQ(http_request(node1_->port(), http::verb::get, "/readyz").status, 503)
        << "not ready without Redis";
    std::this_thread::sleep_for(1s);
    redis_.restart();
    ASSERT_TRUE(wait_ready(*node1_, 20s));
    ASSERT_TRUE(wait_ready(*node2_, 20s));
    // Sam's node catches up from the store on reconnect: the message arrives, once.
    const auto got = receive(sam, 1, 20s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq(), r.ack().seq());
    EXPECT_EQ(got[0].text(), "sent while the bus is down");
    EXPECT_TRUE(receive(sam, 1, 1s).empty()) << "delivered once";
    // And the conversation goes on across nodes: alex saw his own message, then sam's.
    const auto r2 = sam.send_text(room, "after-1", "back again");
    ASSERT_TRUE(r2.has_ack());
    const auto more = receive(alex, 2, 20s);
    ASSERT_EQ(more.size(), 2u);
    EXPECT_EQ(more[0].seq(), r.ack().seq());
    EXPECT_EQ(more[1].seq(), r2.ack().seq());
}

}  // namespace
}  // namespace circles::test

// Two real Circles nodes sharing a real PostgreSQL and a real Redis: students on different
// nodes are in one conversation (every message, in seq order, exactly once), a message sent
// while Redis is down still reaches the other node's members once Redis is back, and /readyz
// follows Redis.
#include <gtest/gtest.h>

#include <set>
#include <thread>

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

    cluster::testing::redis_server redis_;
    std::string schema_;
    std::unique_ptr<server_process> node1_, node2_;
};

// The messages of `room` a client receives until it has `n`, as seq -> text.
std::map<std::uint64_t, std::string> receive(client& c, std::size_t n,
                                             std::chrono::seconds limit = 20s) {
    std::map<std::uint64_t, std::string> got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
        auto f = c.next(500ms);
        if (!f || !f->has_message()) continue;
        EXPECT_TRUE(got.emplace(f->message().seq(), f->message().text()).second)
            << "seq " << f->message().seq() << " delivered twice";
    }
    return got;
}

TEST_F(TwoNodes, StudentsOnDifferentNodesShareOneConversation) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(alex.join(room).has_joined());
    ASSERT_TRUE(sam.join(room).has_joined());
    std::this_thread::sleep_for(500ms);  // both nodes' SUBSCRIBEs confirmed (catch-up covers it)

    std::set<std::uint64_t> acked;
    for (int i = 0; i < 10; ++i) {
        client& from = i % 2 ? sam : alex;
        const auto r = from.send_text(room, "two-" + std::to_string(i),
                                      "message number " + std::string(1, char('a' + i)));
        ASSERT_TRUE(r.has_ack()) << r.DebugString();
        acked.insert(r.ack().seq());
    }
    ASSERT_EQ(acked.size(), 10u) << "every send got its own seq";
    for (client* c : {&alex, &sam}) {
        const auto got = receive(*c, 10);
        std::string seqs;
        for (const auto& [seq, text] : got) seqs += std::to_string(seq) + " ";
        ASSERT_EQ(got.size(), 10u) << (c == &alex ? "alex" : "sam") << " got " << seqs;
        std::uint64_t expect = *acked.begin();
        for (const auto& [seq, text] : got) EXPECT_EQ(seq, expect++) << "in seq order, no gap";
    }
}

TEST_F(TwoNodes, ASendDuringARedisOutageReachesTheOtherNodeAfterwards) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(alex.join(room).has_joined());
    ASSERT_TRUE(sam.join(room).has_joined());
    std::this_thread::sleep_for(500ms);

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
    ASSERT_EQ(got.count(r.ack().seq()), 1u);
    EXPECT_EQ(got.at(r.ack().seq()), "sent while the bus is down");
    // And the conversation goes on across nodes.
    const auto r2 = sam.send_text(room, "after-1", "back again");
    ASSERT_TRUE(r2.has_ack());
    const auto more = receive(alex, 2, 20s);
    EXPECT_EQ(more.count(r2.ack().seq()), 1u);
}

}  // namespace
}  // namespace circles::test

// deploy/local-cluster as an operator runs it: `up` starts Redis, PostgreSQL, two Circles nodes
// and nginx on loopback and prints where they are; students connect through the load balancer;
// when one node is killed its students reconnect through nginx to the other node and resume
// from their last seq with nothing missing, and a resume the server cannot replay (another
// epoch, or further behind than the replay limit) answers recovered=false. `down` stops it.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "harness.hpp"

#ifndef CIRCLES_SOURCE_DIR
#error "CIRCLES_SOURCE_DIR must name the repository"
#endif
#ifndef CIRCLES_BUILD_DIR
#error "CIRCLES_BUILD_DIR must name the build folder"
#endif

namespace circles::test {
namespace {

constexpr std::size_t replay_limit = 5;  // [limits] replay_limit_messages of the nodes

std::uint16_t port_of(const std::string& url) {
    return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

class LocalCluster : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = make_temp_dir() / "cluster";
        ::setenv("CIRCLES_NO_BUILD", "1", 1);
        ::setenv("CIRCLES_BUILD", CIRCLES_BUILD_DIR, 1);
        ::setenv("CIRCLES_CLUSTER_DIR", dir_.c_str(), 1);
        // The nodes inherit the environment: rooms always live, as in the other scale-out
        // tests (students post without a facilitator; sessions_test.cpp covers sessions).
        ::setenv("CIRCLES_FACILITATED_SESSIONS", "false", 1);
        ::setenv("CIRCLES_CLUSTER_LIMITS",
                 ("replay_limit_messages = " + std::to_string(replay_limit)).c_str(), 1);
        // Five consecutive ports; `up` refuses ports in use, so try a few bases.
        std::mt19937 rng(std::random_device{}());
        for (int attempt = 0; attempt < 4; ++attempt) {
            const int base = 20000 + static_cast<int>(rng() % 20000);
            ::setenv("CIRCLES_CLUSTER_PORT", std::to_string(base).c_str(), 1);
            auto [status, out] =
                run_command(std::string(CIRCLES_SOURCE_DIR) + "/deploy/local-cluster/up");
            if (status != 0) {
                failures_ += "attempt at port " + std::to_string(base) + ":\n" + out + "\n";
                continue;
            }
            up_output_ = out;
            std::istringstream lines(out);
            for (std::string line; std::getline(lines, line);) {
                const auto space = line.find(' ');
                if (space != std::string::npos && line.substr(space + 1).starts_with("http://"))
                    urls_[line.substr(0, space)] = line.substr(space + 1);
            }
            if (urls_.size() != 3) failures_ += "up printed:\n" + out;
            break;
        }
    }
    static void TearDownTestSuite() {
        run_command(std::string(CIRCLES_SOURCE_DIR) + "/deploy/local-cluster/down --clean");
        std::error_code ec;
        std::filesystem::remove_all(dir_.parent_path(), ec);
    }
    void SetUp() override {
        ASSERT_EQ(urls_.size(), 3u) << "deploy/local-cluster/up failed:\n" << failures_;
    }

    static std::uint16_t lb() { return port_of(urls_.at("lb")); }
    static std::string lb_origin() { return urls_.at("lb"); }
    static pid_t pid_of(const std::string& name) {
        std::ifstream in(dir_ / (name + ".pid"));
        pid_t pid = 0;
        in >> pid;
        return pid;
    }

    static inline std::filesystem::path dir_;
    static inline std::map<std::string, std::string> urls_;
    static inline std::string up_output_;
    static inline std::string failures_;
};

// One test, one cluster: gtest_discover_tests runs every test in its own process, and a
// cluster takes seconds to start.
TEST_F(LocalCluster, ClientsOfAKilledNodeResumeThroughTheLoadBalancerWithoutAGap) {
    // The order is part of the contract: lb, node1, node2.
    std::istringstream lines(up_output_);
    std::vector<std::string> names;
    for (std::string line; std::getline(lines, line);) {
        const auto space = line.find(' ');
        if (space != std::string::npos && line.substr(space + 1).starts_with("http://"))
            names.push_back(line.substr(0, space));
    }
    EXPECT_EQ(names, (std::vector<std::string>{"lb", "node1", "node2"}));
    for (const auto& [name, url] : urls_) {
        EXPECT_EQ(http_request(port_of(url), http::verb::get, "/healthz").status, 200) << name;
        EXPECT_EQ(http_request(port_of(url), http::verb::get, "/readyz").status, 200) << name;
    }

    // Lunch Bunch's students, all through the load balancer, until both nodes serve some.
    std::map<std::string, std::string> tokens;
    for (const char* u : {"alex", "sam", "jordan"}) tokens[u] = login(lb(), u);
    std::vector<std::pair<std::string, std::unique_ptr<client>>> clients;
    std::map<std::string, int> per_node;
    for (int i = 0; i < 12 && (per_node["node1"] < 2 || per_node["node2"] < 1); ++i) {
        const std::string user = i % 3 == 0 ? "alex" : i % 3 == 1 ? "sam" : "jordan";
        auto c = std::make_unique<client>(lb(), tokens[user], lb_origin());
        ++per_node[c->hello().node_id()];
        clients.emplace_back(user, std::move(c));
    }
    ASSERT_GE(per_node["node1"], 2) << "nginx spreads connections over both nodes";
    ASSERT_GE(per_node["node2"], 1);
    const auto room = clients.front().second->room_id("Lunch Bunch");
    std::uint64_t epoch = 0;
    for (auto& [user, c] : clients) {
        const auto joined = c->join(room);
        ASSERT_TRUE(joined.has_joined()) << joined.DebugString();
        epoch = joined.joined().room().epoch();
    }
    // The speakers are on node2, which stays up. They take turns, so no student passes the
    // flood limit (8 messages in 10 s).
    std::vector<client*> speakers;
    for (auto& [user, c] : clients) {
        if (c->hello().node_id() == "node2") speakers.push_back(c.get());
    }
    ASSERT_FALSE(speakers.empty());
    int sent = 0;
    auto say = [&] {
        client& from = *speakers[static_cast<std::size_t>(sent) % speakers.size()];
        ++sent;
        const auto r = from.send_text(room, "lc-" + std::to_string(sent),
                                      "message " + std::string(1, char('a' + sent % 26)) +
                                          " of the cluster test " + std::to_string(sent));
        EXPECT_TRUE(r.has_ack()) << r.DebugString();
        return r.has_ack() ? r.ack().seq() : 0;
    };
    const auto before_kill = say();
    ASSERT_GT(before_kill, 0u);
    // Every client has it: that is the last seq each one shows.
    for (auto& [user, c] : clients) {
        const auto got = receive_messages(*c, 1);
        ASSERT_EQ(got.size(), 1u) << user << " on " << c->hello().node_id();
        ASSERT_EQ(got[0].seq(), before_kill);
    }

    ASSERT_EQ(::kill(pid_of("node1"), SIGKILL), 0);
    // Node 1's clients lose their connection (nginx closes it when the upstream dies).
    std::vector<std::string> orphans;  // their users
    for (auto& [user, c] : clients) {
        if (c->hello().node_id() != "node1") continue;
        c->wait_closed(10s);
        ASSERT_TRUE(c->closed()) << user << ": the connection through nginx ended";
        orphans.push_back(user);
    }
    // The conversation goes on on node 2 while they are away.
    std::vector<std::uint64_t> missed;
    for (int i = 0; i < 3; ++i) missed.push_back(say());

    // They reconnect through the load balancer, land on node 2, and resume from before_kill.
    std::vector<std::unique_ptr<client>> resumed;
    for (const auto& user : orphans) {
        auto c = std::make_unique<client>(lb(), tokens[user], lb_origin());
        EXPECT_EQ(c->hello().node_id(), "node2") << "nginx skips the dead node";
        v1::Resume from;
        from.set_last_seq(before_kill);
        from.set_epoch(epoch);
        const auto joined = c->join(room, from);
        ASSERT_TRUE(joined.has_joined()) << joined.DebugString();
        EXPECT_TRUE(joined.joined().recovered()) << user;
        std::vector<std::uint64_t> replayed;
        for (const auto& m : joined.joined().messages()) replayed.push_back(m.seq());
        EXPECT_EQ(replayed, missed) << user << ": exactly what was missed, in order";
        resumed.push_back(std::move(c));
        speakers.push_back(resumed.back().get());
    }
    // And the live stream continues with the next seq, once.
    const auto next = say();
    EXPECT_EQ(next, missed.back() + 1);
    for (auto& c : resumed) {
        const auto got = receive_messages(*c, 1);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].seq(), next);
        EXPECT_TRUE(receive_messages(*c, 1, 1s).empty()) << "nothing twice";
    }

    // A resume the server cannot replay answers recovered=false with the newest page.
    client& probe = *resumed.front();
    {
        v1::Resume other_epoch;
        other_epoch.set_last_seq(before_kill);
        other_epoch.set_epoch(epoch + 1);  // the room was reset since, as far as it knows
        const auto joined = probe.join(room, other_epoch);
        ASSERT_TRUE(joined.has_joined()) << joined.DebugString();
        EXPECT_FALSE(joined.joined().recovered()) << "across an epoch change";
        ASSERT_GT(joined.joined().messages_size(), 0);
        EXPECT_EQ(joined.joined().messages().rbegin()->seq(), next) << "the newest page";
    }
    {
        // Further behind than the replay limit: what it missed is more than the server
        // replays, so it reloads.
        std::uint64_t last = next;
        for (std::size_t i = 0; i < replay_limit + 1; ++i) last = say();
        v1::Resume far_behind;
        far_behind.set_last_seq(next);
        far_behind.set_epoch(epoch);
        const auto joined = probe.join(room, far_behind);
        ASSERT_TRUE(joined.has_joined()) << joined.DebugString();
        EXPECT_FALSE(joined.joined().recovered()) << "beyond the replay limit";
        ASSERT_GT(joined.joined().messages_size(), 0);
        EXPECT_EQ(joined.joined().messages().rbegin()->seq(), last);
    }
}

}  // namespace
}  // namespace circles::test

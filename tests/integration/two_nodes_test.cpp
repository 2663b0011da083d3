// Two real Circles nodes sharing a real PostgreSQL and a real Redis: students on different
// nodes are in one conversation (every message, in seq order, exactly once); messages sent on
// both nodes while Redis is dead reach every member once Redis is back, and presence is right
// again; /readyz follows Redis; a node that dies leaves presence on the other node; SIGTERM
// stops a node cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <thread>
#include <utility>
#include <vector>

#include "../cluster/redis_server.hpp"
#include "../storage/postgres_server.hpp"
#include "harness.hpp"

namespace circles::test {
namespace {

using namespace std::chrono_literals;

// presence_ttl_ms in the nodes' configuration: short where a test waits for a dead node's
// presence to expire. A live node refreshes its entries every third of it, so a node starved
// of CPU that long looks dead for a moment; tests that need no expiry run with the default.
constexpr auto short_presence_ttl = 2000ms;
constexpr auto default_presence_ttl = 15000ms;
// How long a presence check may wait: many short TTLs, for a loaded machine. (That a dead
// node leaves by expiry, with no exit sent, is tested against Redis alone in tests/cluster.)
constexpr auto presence_wait = 15s;

class TwoNodes : public ::testing::Test {
  protected:
    void SetUp() override {
        auto& pg = storage::testing::postgres_server::get();
        schema_ = pg.create_schema();
        const auto dir = make_temp_dir();
        // One master key for both nodes: they share the store (data_dir holds master.key).
        // node_id goes first (before [limits]): each node must tell its own Redis echo apart.
        const std::string config =
            "store = \"" + pg.url(schema_) + "\"\nbus = \"" + redis_.url() + "\"\npresence = \"" +
            redis_.url() + "\"\npresence_ttl_ms = " + std::to_string(presence_ttl().count()) +
            "\n[limits]\nsend_rate_per_second = 50.0\nsend_burst = 50.0\n";
        node1_ = std::make_unique<server_process>(dir / "data", "node_id = \"n1\"\n" + config,
                                                  mode());
        node1_->start();  // seeds the demo school into PostgreSQL
        // The second node: its own config file next to a data folder with the same key.
        std::filesystem::create_directories(dir / "data2");
        std::filesystem::copy_file(dir / "data" / "master.key", dir / "data2" / "master.key");
        std::filesystem::permissions(dir / "data2", std::filesystem::perms::owner_all);
        node2_ = std::make_unique<server_process>(dir / "data2", "node_id = \"n2\"\n" + config,
                                                  mode());
        node2_->start();
        ASSERT_TRUE(wait_ready(*node1_));
        ASSERT_TRUE(wait_ready(*node2_));
    }
    virtual rooms_mode mode() const { return rooms_mode::always_live; }
    virtual std::chrono::milliseconds presence_ttl() const { return short_presence_ttl; }
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

    // The facilitator on node 2, alex and sam on node 1, all in Lunch Bunch, and node 1
    // holding the room's channel: a message from node 2 has reached both students. (Events
    // outside the room sequence, unlike messages, are not all caught up after a late
    // subscribe.)
    struct lunch_bunch {
        client facilitator, alex, sam;
        std::uint64_t room = 0;
    };
    std::unique_ptr<lunch_bunch> gather() {  // clients do not move
        std::unique_ptr<lunch_bunch> g(new lunch_bunch{
            connect(*node2_, "facilitator"), connect(*node1_, "alex"), connect(*node1_, "sam")});
        g->room = g->alex.room_id("Lunch Bunch");
        join_both(g->alex, g->sam);
        EXPECT_TRUE(g->facilitator.join(g->room).has_joined());
        EXPECT_TRUE(g->facilitator.send_text(g->room, "f0", "welcome, everyone").has_ack());
        for (client* c : {&g->alex, &g->sam}) {
            EXPECT_TRUE(c->wait_for([](const v1::ServerFrame& f) { return f.has_message(); },
                                    presence_wait));
        }
        return g;
    }

    cluster::testing::redis_server redis_;
    std::string schema_;
    std::unique_ptr<server_process> node1_, node2_;
};

// The display names a fresh join of `room` by `c` reports as present.
std::vector<std::string> present_at_join(client& c, std::uint64_t room) {
    std::vector<std::string> names;
    const auto joined = c.join(room);
    EXPECT_TRUE(joined.has_joined()) << joined.DebugString();
    for (const auto& m : joined.joined().present()) names.push_back(m.display_name());
    std::sort(names.begin(), names.end());
    return names;
}

using sent_list = std::vector<std::pair<std::uint64_t, std::string>>;  // seq, text

// Alex and sam take turns sending `n` messages; all must be acked with one gap-free seq.
sent_list take_turns(client& alex, client& sam, std::uint64_t room, int n, const std::string& tag) {
    sent_list sent;
    for (int i = 0; i < n; ++i) {
        client& from = i % 2 ? sam : alex;
        const std::string text = tag + " message " + std::string(1, char('a' + i));
        const auto r = from.send_text(room, tag + "-" + std::to_string(i), text);
        EXPECT_TRUE(r.has_ack()) << r.DebugString();
        if (!r.has_ack()) return sent;
        sent.emplace_back(r.ack().seq(), text);
    }
    for (std::size_t i = 1; i < sent.size(); ++i)
        EXPECT_EQ(sent[i].first, sent[i - 1].first + 1) << "one gap-free seq across both nodes";
    return sent;
}

// Each client receives exactly `sent`, in seq order, and nothing more.
void expect_each_receives(std::initializer_list<std::pair<const char*, client*>> clients,
                          const sent_list& sent) {
    for (const auto& [who, c] : clients) {
        const auto got = receive_messages(*c, sent.size());
        ASSERT_EQ(got.size(), sent.size()) << who;
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].seq(), sent[i].first) << who << ": in seq order, no gap";
            EXPECT_EQ(got[i].text(), sent[i].second) << who;
        }
        EXPECT_TRUE(receive_messages(*c, 1, 1s).empty()) << who << ": nothing delivered twice";
    }
}

// A session frame the server pushed to `c` (not the answer to one of its requests) saying
// the room's session is open.
std::optional<v1::ServerFrame> pushed_session_open(client& c) {
    return c.wait_for(
        [](const v1::ServerFrame& f) {
            return f.request_id() == 0 && f.has_session() && f.session().open();
        },
        presence_wait);
}

TEST_F(TwoNodes, StudentsOnDifferentNodesShareOneConversation) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = join_both(alex, sam);

    const auto sent = take_turns(alex, sam, room, 10, "two");
    ASSERT_EQ(sent.size(), 10u);
    expect_each_receives({{"alex (node 1)", &alex}, {"sam (node 2)", &sam}}, sent);
}

TEST_F(TwoNodes, SendsOnBothNodesDuringARedisOutageAllArriveAfterwards) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = join_both(alex, sam);

    redis_.kill();
    // Both nodes keep taking messages while Redis is dead: each commits before its ack.
    const auto acked = take_turns(alex, sam, room, 6, "dark");
    ASSERT_EQ(acked.size(), 6u);
    EXPECT_EQ(http_request(node1_->port(), http::verb::get, "/readyz").status, 503)
        << "not ready without Redis";
    EXPECT_EQ(http_request(node2_->port(), http::verb::get, "/readyz").status, 503);
    std::this_thread::sleep_for(2s);
    redis_.restart();
    ASSERT_TRUE(wait_ready(*node1_, 20s));
    ASSERT_TRUE(wait_ready(*node2_, 20s));
    // Every acked message reaches both students, in seq order, once.
    expect_each_receives({{"alex (node 1)", &alex}, {"sam (node 2)", &sam}}, acked);
    // And the conversation goes on across nodes through Redis again.
    const auto r2 = sam.send_text(room, "after-1", "back again");
    ASSERT_TRUE(r2.has_ack());
    const auto more = receive_messages(alex, 1, 20s);
    ASSERT_EQ(more.size(), 1u);
    EXPECT_EQ(more[0].seq(), acked.back().first + 1);

    // Presence came back with Redis (it kept nothing): each node again sees both students,
    // the one on the other node included.
    const auto expected = [&] {
        std::vector<std::string> v{alex.hello().me().display_name(),
                                   sam.hello().me().display_name()};
        std::sort(v.begin(), v.end());
        return v;
    }();
    // One login each, joined again and again: the login limiter allows only a few logins of
    // one username in a row.
    client look1 = connect(*node1_, "facilitator");
    client look2 = connect(*node2_, "jordan");
    const auto deadline = std::chrono::steady_clock::now() + presence_wait;
    std::vector<std::string> on1, on2;
    do {
        on1 = present_at_join(look1, room);
        on2 = present_at_join(look2, room);
        for (auto* names : {&on1, &on2}) {  // the lookers themselves do not count
            std::erase(*names, look1.hello().me().display_name());
            std::erase(*names, look2.hello().me().display_name());
        }
        if (on1 == expected && on2 == expected) break;
        std::this_thread::sleep_for(200ms);
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(on1, expected) << "node 1's view of presence after Redis returned";
    EXPECT_EQ(on2, expected) << "node 2's view of presence after Redis returned";
}

// A node that dies says nothing: the cluster notices when its presence expires and tells the
// room on the other node.
TEST_F(TwoNodes, ANodeThatDiesLeavesPresenceOnTheOtherNode) {
    client alex = connect(*node1_, "alex");
    client sam = connect(*node2_, "sam");
    const auto room = join_both(alex, sam);
    const std::string alex_name = alex.hello().me().display_name();
    // Sam's node knows alex is there before node 1 goes.
    client look = connect(*node2_, "facilitator");  // one login, joined again and again
    const auto deadline_in = std::chrono::steady_clock::now() + presence_wait;
    bool seen = false;
    while (!seen && std::chrono::steady_clock::now() < deadline_in) {
        const auto names = present_at_join(look, room);
        seen = std::find(names.begin(), names.end(), alex_name) != names.end();
        if (!seen) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(seen);

    // A refresh of node 1 that came late may have made alex leave and come back already: what
    // sam was told before the kill is no answer.
    sam.discard_received();
    node1_->stop(SIGKILL);
    const auto gone = sam.wait_for(
        [&](const v1::ServerFrame& f) {
            return f.has_presence() && !f.presence().present() &&
                   f.presence().member().display_name() == alex_name;
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(presence_wait));
    ASSERT_TRUE(gone.has_value()) << "sam was never told that alex left";
    EXPECT_EQ(gone->presence().room_id(), room);
    const auto names = present_at_join(look, room);
    EXPECT_EQ(std::find(names.begin(), names.end(), alex_name), names.end());
}

// A logout on one node closes the sockets opened with that login on the other (a second tab
// whose socket the load balancer sent elsewhere, or a copied token); another login's stay.
TEST_F(TwoNodes, ALogoutOnOneNodeClosesThatLoginsSocketsOnTheOther) {
    const auto token = login(node1_->port(), "alex");
    client elsewhere(node2_->port(), token, node2_->origin());
    client sam = connect(*node2_, "sam");
    const auto out = http_request(node1_->port(), http::verb::post, "/api/logout", {},
                                  {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(out.status, 204u);
    EXPECT_EQ(
        elsewhere.wait_closed(std::chrono::duration_cast<std::chrono::milliseconds>(presence_wait)),
        4401)
        << "node 2 closed the logged-out login's socket";
    EXPECT_FALSE(sam.closed()) << "another login keeps its socket";
    EXPECT_EQ(client::try_upgrade(node2_->port(), token, node2_->origin()), 401u);
}

// SIGTERM stops a node that uses Redis as promptly as one that does not (the Redis clients
// keep its event loop busy, so it must stop it itself).
TEST_F(TwoNodes, SigtermStopsARedisNodeCleanly) {
    client sam = connect(*node2_, "sam");
    sam.join(sam.room_id("Lunch Bunch"));
    // The harness kills a node that has not exited 20 s after the signal: status 137.
    EXPECT_EQ(node2_->stop(SIGTERM), 0) << "exit status 0, not killed after a hang";
    EXPECT_EQ(sam.wait_closed(), 1001) << "going away";
}

// The product's default across nodes: the session lives in PostgreSQL, the facilitator's
// presence in Redis, so a facilitator on one node makes the room live for students on the other.
// Facilitator actions travel through Redis like messages: a mute set on node 2 reaches the
// student on node 1 (and not the other student), a lock binds node 1's sends at once, and a
// removal on node 2 takes the student's node-1 connection out of the room.
TEST_F(TwoNodes, FacilitatorActionsOnOneNodeBindTheOther) {
    const auto gathered = gather();
    auto& [facilitator, alex, sam, room] = *gathered;
    ASSERT_FALSE(HasFailure());
    const auto alex_id = alex.hello().me().user_id();
    auto cite = [](v1::Citation* c) {
        c->set_ground_rule(2);
        c->set_reason("taking a short break");
    };
    auto ask = [](client& c, v1::ClientFrame f) {
        auto reply = c.wait_reply(c.send(std::move(f)));
        return reply ? *reply : v1::ServerFrame{};
    };

    v1::ClientFrame mute;
    mute.mutable_mute_member()->set_room_id(room);
    mute.mutable_mute_member()->set_user_id(alex_id);
    mute.mutable_mute_member()->set_duration_seconds(600);
    cite(mute.mutable_mute_member()->mutable_citation());
    ASSERT_TRUE(ask(facilitator, mute).has_muted());
    auto told =
        alex.wait_for([](const v1::ServerFrame& f) { return f.request_id() == 0 && f.has_muted(); },
                      presence_wait);
    ASSERT_TRUE(told) << "the student on the other node is told of the mute";
    EXPECT_EQ(alex.send_text(room, "m1", "hello?").error().code(), v1::ERROR_CODE_MUTED);

    v1::ClientFrame lock;
    lock.mutable_set_room_controls()->set_room_id(room);
    lock.mutable_set_room_controls()->set_locked(true);
    cite(lock.mutable_set_room_controls()->mutable_citation());
    ASSERT_TRUE(ask(facilitator, lock).has_controls());
    auto locked = sam.wait_for(
        [](const v1::ServerFrame& f) {
            return f.request_id() == 0 && f.has_controls() && f.controls().locked();
        },
        presence_wait);
    ASSERT_TRUE(locked) << "the other node's students hear of the lock";
    EXPECT_FALSE(sam.wait_for(
        [](const v1::ServerFrame& f) { return f.request_id() == 0 && f.has_muted(); }, 200ms))
        << "sam never hears of alex's mute";
    EXPECT_EQ(sam.send_text(room, "s1", "hi").error().code(), v1::ERROR_CODE_ROOM_LOCKED);

    v1::ClientFrame remove;
    remove.mutable_remove_member()->set_room_id(room);
    remove.mutable_remove_member()->set_user_id(alex_id);
    cite(remove.mutable_remove_member()->mutable_citation());
    ASSERT_TRUE(ask(facilitator, remove).has_member_removed());
    ASSERT_TRUE(alex.wait_for(
        [](const v1::ServerFrame& f) { return f.request_id() == 0 && f.has_member_removed(); },
        presence_wait));
    // Alex's node-1 connection left the room: the facilitator's next message does not reach it.
    ASSERT_TRUE(facilitator.send_text(room, "f1", "we'll carry on next week").has_ack());
    ASSERT_TRUE(
        sam.wait_for([](const v1::ServerFrame& f) { return f.has_message(); }, presence_wait));
    EXPECT_FALSE(alex.wait_for([](const v1::ServerFrame& f) { return f.has_message(); }, 500ms));
}

// A removal is outside the room sequence too. A student removed while their node was cut off
// from Redis must not go on receiving the room once it is back: as each subscription is
// confirmed, before any message of the room is handed on, the room's connections check that
// their viewer may still read it.
TEST_F(TwoNodes, AStudentRemovedWhileRedisIsDownLeavesTheRoomOnTheOtherNode) {
    const auto gathered = gather();
    auto& [facilitator, alex, sam, room] = *gathered;
    ASSERT_FALSE(HasFailure());
    // A counselor observing the room on node 1 reads it without belonging to it, and stays.
    client counselor = connect(*node1_, "counselor");
    ASSERT_TRUE(counselor.join(room).has_joined());

    redis_.kill();
    v1::ClientFrame remove;
    remove.mutable_remove_member()->set_room_id(room);
    remove.mutable_remove_member()->set_user_id(alex.hello().me().user_id());
    remove.mutable_remove_member()->mutable_citation()->set_ground_rule(2);
    remove.mutable_remove_member()->mutable_citation()->set_reason("see you next term");
    auto removed = facilitator.wait_reply(facilitator.send(remove));
    ASSERT_TRUE(removed && removed->has_member_removed())
        << (removed ? removed->DebugString() : "");
    const auto after = facilitator.send_text(room, "f1", "said after alex left");
    ASSERT_TRUE(after.has_ack()) << after.DebugString();
    std::this_thread::sleep_for(1s);
    redis_.restart();
    ASSERT_TRUE(wait_ready(*node1_, 20s));
    ASSERT_TRUE(wait_ready(*node2_, 20s));

    auto told = alex.wait_for(
        [](const v1::ServerFrame& f) { return f.request_id() == 0 && f.has_member_removed(); },
        presence_wait);
    ASSERT_TRUE(told) << "alex on node 1 was never told of the removal";
    EXPECT_EQ(told->member_removed().member().user_id(), alex.hello().me().user_id());
    const auto said_after = [&](const v1::ServerFrame& f) {
        return f.has_message() && f.message().seq() == after.ack().seq();
    };
    ASSERT_TRUE(sam.wait_for(said_after, presence_wait)) << "sam is still in the room";
    ASSERT_TRUE(counselor.wait_for(said_after, presence_wait)) << "the observer is still there";
    EXPECT_FALSE(alex.receives_before_pong(said_after))
        << "the room went on reaching a removed student";
}

// Nothing here waits for an expiry (the facilitator leaves by closing), and a facilitator whose
// presence lapsed for a moment would pause the room under the test.
class TwoNodesFacilitated : public TwoNodes {
  protected:
    rooms_mode mode() const override { return rooms_mode::facilitated; }
    std::chrono::milliseconds presence_ttl() const override { return default_presence_ttl; }
};

TEST_F(TwoNodesFacilitated, ASessionOnOneNodeIsLiveOnTheOther) {
    auto facilitator = std::make_unique<client>(node2_->port(), login(node2_->port(), "facilitator"),
                                                node2_->origin());
    client alex = connect(*node1_, "alex");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(facilitator->join(room).has_joined());
    const auto joined = alex.join(room);
    ASSERT_TRUE(joined.has_joined());
    v1::ClientFrame accept;
    accept.mutable_accept_agreement()->set_room_id(room);
    accept.mutable_accept_agreement()->set_version(joined.joined().agreement().version());
    auto accepted = alex.wait_reply(alex.send(accept));
    ASSERT_TRUE(accepted && accepted->has_agreement_accepted());
    // Wait until node 1 has the room's channel (a message from node 2 arrived, through Redis
    // or the catch-up that follows the subscribe). That catch-up may also restate the session
    // as it was then (closed), so alex waits for the frame that says it opened. Staff may post
    // before the session opens.
    const auto welcome = facilitator->send_text(room, "f0", "welcome, everyone");
    ASSERT_TRUE(welcome.has_ack()) << welcome.DebugString();
    const auto welcome_seq = welcome.ack().seq();
    ASSERT_TRUE(
        alex.wait_for([](const v1::ServerFrame& f) { return f.has_message(); }, presence_wait));

    v1::ClientFrame open;
    open.mutable_open_session()->set_room_id(room);
    auto opened = facilitator->wait_reply(facilitator->send(open));
    ASSERT_TRUE(opened && opened->has_session()) << (opened ? opened->DebugString() : "");
    EXPECT_TRUE(opened->session().live());
    auto heard = pushed_session_open(alex);
    ASSERT_TRUE(heard) << "the other node's student hears that the session opened";
    EXPECT_EQ(heard->session().room_id(), room);

    // The facilitator's presence reaches node 1 through Redis: wait until its view says so.
    bool live = false;
    for (int i = 0; i < 150 && !live; ++i) {
        live = alex.join(room).joined().session().live();
        if (!live) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(live) << "node 1 never saw the facilitator on node 2";
    ASSERT_TRUE(alex.send_text(room, "c1", "hello from node one").has_ack());
    auto got = facilitator->wait_for(
        [&](const v1::ServerFrame& f) {
            return f.has_message() && f.message().seq() != welcome_seq;
        },
        presence_wait);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->message().text(), "hello from node one");

    // The facilitator leaves node 2: node 1 pauses the room. Only a "left" sent after this
    // point counts.
    alex.discard_received();
    facilitator->close();
    facilitator.reset();
    ASSERT_TRUE(alex.wait_for(
        [](const v1::ServerFrame& f) {
            return f.has_presence() && !f.presence().present() &&
                   f.presence().member().role() == v1::ROLE_FACILITATOR;
        },
        presence_wait));
    // Node 1 told alex from its own view, so that view already says the room is paused.
    EXPECT_FALSE(alex.join(room).joined().session().live()) << "node 1 still sees the facilitator";
    auto paused = alex.send_text(room, "c2", "still there?");
    ASSERT_TRUE(paused.has_error()) << paused.DebugString();
    EXPECT_EQ(paused.error().code(), v1::ERROR_CODE_ROOM_NOT_LIVE);
}

// "Session opened" and a lock are outside the room sequence, so catching up the room's
// messages cannot bring them: a node that was cut off from Redis when they were published
// tells its connections the room's session and controls as they are once it is back.
TEST_F(TwoNodesFacilitated, ASessionOpenedAndALockSetWhileRedisIsDownReachTheOtherNode) {
    client facilitator = connect(*node2_, "facilitator");
    client alex = connect(*node1_, "alex");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(facilitator.join(room).has_joined());
    const auto joined = alex.join(room);
    ASSERT_TRUE(joined.has_joined());
    ASSERT_FALSE(joined.joined().session().open());
    ASSERT_FALSE(joined.joined().controls().locked());
    // Node 1 has the room's channel once a message from node 2 reached alex.
    ASSERT_TRUE(facilitator.send_text(room, "f0", "welcome, everyone").has_ack());
    ASSERT_TRUE(
        alex.wait_for([](const v1::ServerFrame& f) { return f.has_message(); }, presence_wait));

    redis_.kill();
    v1::ClientFrame open;
    open.mutable_open_session()->set_room_id(room);
    auto opened = facilitator.wait_reply(facilitator.send(open));
    ASSERT_TRUE(opened && opened->has_session()) << (opened ? opened->DebugString() : "");
    ASSERT_TRUE(opened->session().open());
    v1::ClientFrame lock;
    lock.mutable_set_room_controls()->set_room_id(room);
    lock.mutable_set_room_controls()->set_locked(true);
    lock.mutable_set_room_controls()->mutable_citation()->set_ground_rule(2);
    lock.mutable_set_room_controls()->mutable_citation()->set_reason("a pause for everyone");
    auto locked = facilitator.wait_reply(facilitator.send(lock));
    ASSERT_TRUE(locked && locked->has_controls()) << (locked ? locked->DebugString() : "");
    std::this_thread::sleep_for(1s);
    redis_.restart();
    ASSERT_TRUE(wait_ready(*node1_, 20s));
    ASSERT_TRUE(wait_ready(*node2_, 20s));

    auto heard = pushed_session_open(alex);
    ASSERT_TRUE(heard) << "alex on node 1 never heard that the session opened";
    EXPECT_EQ(heard->session().room_id(), room);
    auto controls = alex.wait_for(
        [](const v1::ServerFrame& f) {
            return f.request_id() == 0 && f.has_controls() && f.controls().locked();
        },
        presence_wait);
    ASSERT_TRUE(controls) << "alex on node 1 never heard that the room was locked";
    EXPECT_EQ(controls->controls().room_id(), room);
}

}  // namespace
}  // namespace circles::test

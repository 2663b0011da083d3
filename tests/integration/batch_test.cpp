// FrameBatch through the real server: only a client that offers the "circles.v1.batch"
// subprotocol gets batches, and frames that queue behind a write reach it as batches, each
// frame once and in order, as a client without batches gets them one by one.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace circles::test {
namespace {

class Batch : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // Sends are pipelined here, so the flood limits (the policy's and the connection's)
        // must let a burst of them through.
        const auto dir = make_temp_dir();
        const auto policy_file = dir / "policy.toml";
        std::ofstream(policy_file)
            << "[policy]\nid = \"batch-test\"\n"
               "[crisis]\nreply = \"You matter. Call or text 988, or talk to a trusted adult.\"\n"
               "[[ground_rules]]\nnumber = 1\ntext = \"Be kind.\"\n"
               "[flood]\nground_rule = 1\nuser_messages = 1000\nroom_messages = 1000\n";
        server_ = new server_process(dir / "data",
                                     "policy_file = \"" + policy_file.string() +
                                         "\"\n[limits]\nsend_rate_per_second = 1000.0\n"
                                         "send_burst = 1000.0\nframe_rate_per_second = 1000.0\n"
                                         "frame_burst = 1000.0\n");
        server_->start();
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    client connect(const std::string& user, bool batched) {
        return client(server_->port(), login(server_->port(), user), server_->origin(), batched);
    }
    static server_process* server_;
};
server_process* Batch::server_ = nullptr;

TEST_F(Batch, OnlyAClientThatOffersTheSubprotocolIsAnsweredWithIt) {
    client batched = connect("alex", true);
    client plain = connect("sam", false);
    EXPECT_EQ(batched.subprotocol(), "circles.v1.batch");
    EXPECT_EQ(plain.subprotocol(), "");
    // Both work as before: Hello came first (the harness checks it), and requests are answered.
    EXPECT_NE(batched.room_id("Lunch Bunch"), 0u);
    EXPECT_NE(plain.room_id("Lunch Bunch"), 0u);
}

// `c` receives one MessageEvent for each of `texts`, in order, with consecutive seqs.
void expect_in_order(client& c, const std::vector<std::string>& texts, const char* who) {
    const auto got = receive_messages(c, texts.size());
    ASSERT_EQ(got.size(), texts.size()) << who;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(got[i].text(), texts[i]) << who << ", message " << i;
        if (i > 0) {
            EXPECT_EQ(got[i].seq(), got[i - 1].seq() + 1) << who << ", message " << i;
        }
    }
}

TEST_F(Batch, PipelinedSendsArriveOnceAndInOrderBatchedOrNot) {
    client alex = connect("alex", true);  // sends, and gets its echoes and acks batched
    client sam = connect("sam", true);
    client lee = connect("jordan", false);  // the harness throws if a batch reaches it
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_NE(room, 0u);
    for (auto* c : {&alex, &sam, &lee}) ASSERT_TRUE(c->join(room).has_joined());

    // Sixty sends written back to back, none waiting for its ack: their acks and echoes come
    // back while the connection's writes are in flight, so they queue and go out as batches.
    constexpr int count = 60;
    std::vector<std::string> texts;
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
        texts.push_back("pipelined message " + std::to_string(i));
        ids.push_back("batch-" + std::to_string(i));
        v1::ClientFrame f;
        auto* s = f.mutable_send();
        s->set_room_id(room);
        s->set_client_msg_id(ids.back());
        s->set_text(texts.back());
        alex.send(f);
    }
    // Every send acked exactly once, in the order sent.
    std::vector<std::string> acked;
    while (acked.size() < static_cast<std::size_t>(count)) {
        auto f = alex.wait_for(
            [](const v1::ServerFrame& x) { return x.has_ack() || x.has_error(); }, 20s);
        ASSERT_TRUE(f) << "acks stopped after " << acked.size();
        ASSERT_TRUE(f->has_ack()) << f->DebugString();
        EXPECT_FALSE(f->ack().duplicate());
        acked.push_back(f->ack().client_msg_id());
    }
    EXPECT_EQ(acked, ids);
    expect_in_order(alex, texts, "the sender's echoes");
    expect_in_order(sam, texts, "a batched recipient");
    expect_in_order(lee, texts, "a recipient without batches");

    EXPECT_GT(alex.batches(), 0u) << "nothing queued behind a write in 120 frames";
    EXPECT_GE(alex.batched_frames(), 2 * alex.batches());  // a batch holds two frames or more
    EXPECT_EQ(lee.batches(), 0u);
    // Nothing more: no frame came twice.
    EXPECT_FALSE(
        sam.receives_before_pong([](const v1::ServerFrame& f) { return f.has_message(); }));
    EXPECT_FALSE(
        lee.receives_before_pong([](const v1::ServerFrame& f) { return f.has_message(); }));
}

}  // namespace
}  // namespace circles::test

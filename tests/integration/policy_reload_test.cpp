// A school edits its policy file and sends SIGHUP: the new policy is in force for the next
// message, and an invalid file is refused while the one in force stays.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "harness.hpp"

namespace circles::test {
namespace {

std::string policy_blocking(const std::string& word) {
    return "[policy]\nid = \"reload-test\"\n"
           "[crisis]\nreply = \"You matter. Call or text 988, or talk to a trusted adult.\"\n"
           "[[ground_rules]]\nnumber = 1\ntext = \"Be kind.\"\n"
           "[flood]\nground_rule = 1\nuser_messages = 1000\nroom_messages = 1000\n"
           "[[rules]]\nid = \"made-up\"\naction = \"block\"\nground_rule = 1\nkeywords = [\"" +
           word + "\"]\n";
}

void write(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::trunc);
    out << text;
}

bool blocked(const v1::ServerFrame& f) {
    return f.has_error() && f.error().code() == v1::ERROR_CODE_BLOCKED_BY_POLICY;
}

// Sends the word until the answer is what `want` says (the reload runs off the I/O
// threads, so it lands a moment after the signal).
bool eventually(client& c, std::uint64_t room, const std::string& text, bool want_blocked) {
    for (int i = 0; i < 100; ++i) {
        // A different text each time: the same message twice is refused as flooding.
        const auto r = c.send_text(room, "probe-" + std::to_string(i) + text,
                                   text + " " + std::to_string(i));
        if (blocked(r) == want_blocked) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

TEST(PolicyReload, SighupLoadsTheNewPolicyAndRefusesAnInvalidOne) {
    const auto dir = make_temp_dir();
    const auto policy_file = dir / "school-policy.toml";
    write(policy_file, policy_blocking("zorblax"));
    server_process server(dir / "data",
                          "policy_file = \"" + policy_file.string() +
                              "\"\n[limits]\nsend_rate_per_second = 50.0\nsend_burst = 50.0\n");
    server.start();
    client sam(server.port(), login(server.port(), "sam"), server.origin());
    const auto room = sam.room_id("Peer Network");
    ASSERT_TRUE(sam.join(room).has_joined());

    const auto first = sam.send_text(room, "a", "zorblax");
    ASSERT_TRUE(blocked(first)) << first.DebugString();
    EXPECT_EQ(first.error().ground_rule(), 1);
    ASSERT_TRUE(sam.send_text(room, "b", "quimbly").has_ack());

    write(policy_file, policy_blocking("quimbly"));
    ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
    EXPECT_TRUE(eventually(sam, room, "quimbly", true));
    EXPECT_TRUE(sam.send_text(room, "c", "zorblax").has_ack()) << "the old rule is gone";

    // A broken file is refused; the policy in force stays and the server keeps serving.
    write(policy_file, "[[rules]]\nid = \"broken\"\naction = \"explode\"\n");
    ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
    for (int i = 0; i < 100 && server.log().find("policy reload refused") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_NE(server.log().find("policy reload refused"), std::string::npos) << server.log();
    EXPECT_NE(server.log().find("school-policy.toml:"), std::string::npos)
        << "the refusal names the file and line";
    EXPECT_TRUE(blocked(sam.send_text(room, "d", "quimbly")));
    EXPECT_TRUE(sam.send_text(room, "e", "zorblax once more").has_ack());
    EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace circles::test

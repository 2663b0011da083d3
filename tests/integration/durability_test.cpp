// What must survive: acked messages across a restart, encryption at rest, and a shutdown that
// tells clients to come back (1001) and exits cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iterator>

#include "harness.hpp"

namespace circles::test {
namespace {

std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Durability, HistoryIsIntactAfterRestart) {
    server_process server(make_temp_dir() / "data");
    server.start();
    std::vector<std::string> texts;
    std::uint64_t room = 0;
    {
        client alex(server.port(), login(server.port(), "alex"), server.origin());
        room = alex.room_id("Lunch Bunch");
        ASSERT_TRUE(alex.join(room).has_joined());
        for (int i = 0; i < 5; ++i) {
            texts.push_back("kept across restarts #" + std::to_string(i));
            ASSERT_TRUE(alex.send_text(room, "keep-" + std::to_string(i), texts.back()).has_ack());
        }
    }
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
    server.start();
    client sam(server.port(), login(server.port(), "sam"), server.origin());
    auto joined = sam.join(room);
    ASSERT_TRUE(joined.has_joined());
    ASSERT_EQ(joined.joined().messages_size(), 5);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(joined.joined().messages(i).seq(), static_cast<std::uint64_t>(i + 1));
        EXPECT_EQ(joined.joined().messages(i).text(), texts[i]);
    }
}

TEST(Durability, AckedMessagesSurviveSigkill) {
    server_process server(make_temp_dir() / "data");
    server.start();
    client alex(server.port(), login(server.port(), "alex"), server.origin());
    const auto room = alex.room_id("GSA");
    ASSERT_TRUE(alex.join(room).has_joined());
    ASSERT_TRUE(alex.send_text(room, "k1", "acked means durable").has_ack());
    server.stop(SIGKILL);  // no flush, no goodbye
    server.start();
    client riley(server.port(), login(server.port(), "riley"), server.origin());
    auto joined = riley.join(room);
    ASSERT_TRUE(joined.has_joined());
    ASSERT_EQ(joined.joined().messages_size(), 1);
    EXPECT_EQ(joined.joined().messages(0).text(), "acked means durable");
}

TEST(Durability, DatabaseFilesHoldNoPlaintext) {
    server_process server(make_temp_dir() / "data");
    server.start();
    const std::string secret = "my-very-private-words-4d1c9e";
    {
        client alex(server.port(), login(server.port(), "alex"), server.origin());
        const auto room = alex.room_id("Peer Network");
        ASSERT_TRUE(alex.join(room).has_joined());
        ASSERT_TRUE(alex.send_text(room, "secret-1", secret).has_ack());
    }
    // Look at the files while the server runs (WAL not yet checkpointed) and after it stops.
    auto scan = [&] {
        int files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(server.data_dir())) {
            ++files;
            EXPECT_EQ(file_bytes(entry.path()).find(secret), std::string::npos)
                << entry.path().filename() << " holds the plaintext";
        }
        EXPECT_GE(files, 2);
    };
    scan();
    EXPECT_EQ(server.stop(SIGTERM), 0);
    scan();
    EXPECT_EQ(server.log().find(secret), std::string::npos) << "the log holds message text";
    // The key file is private to the server's user.
    const auto perms = std::filesystem::status(server.data_dir() / "master.key").permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
}

// The client reads while the server shuts down, as a browser does, so it answers the close
// and the server exits without waiting out its grace period. A shutdown that hung would be
// killed by the harness and exit with 137, not 0.
TEST(Durability, ShutdownClosesSocketsWith1001AndExitsCleanly) {
    server_process server(make_temp_dir() / "data");
    server.start();
    client alex(server.port(), login(server.port(), "alex"), server.origin());
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(alex.join(room).has_joined());
    ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
    EXPECT_EQ(alex.wait_closed(), 1001);
    EXPECT_EQ(server.stop(0), 0) << server.log();  // signal 0: nothing more sent, only waited for
}

TEST(Durability, HealthAndReadiness) {
    server_process server(make_temp_dir() / "data");
    server.start();
    EXPECT_EQ(http_request(server.port(), http::verb::get, "/healthz").status, 200u);
    EXPECT_EQ(http_request(server.port(), http::verb::get, "/readyz").status, 200u);
    EXPECT_EQ(http_request(server.port(), http::verb::get, "/api/nope").status, 404u);
    EXPECT_EQ(http_request(server.port(), http::verb::get, "/../../etc/passwd").status, 400u);
}

}  // namespace
}  // namespace circles::test

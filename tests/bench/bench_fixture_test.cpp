// `circles admin bench-fixture`: users, rooms, memberships and tokens for circles-bench.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../integration/harness.hpp"
#include "circles/bench/client_plan.hpp"
#include "circles/gateway/admin_command.hpp"
#include "circles/storage/store.hpp"

namespace circles::gateway {
namespace {

struct temp_folder {
    std::filesystem::path path = circles::test::make_temp_dir();
    ~temp_folder() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

std::unique_ptr<storage::store> open_store(const std::filesystem::path& dir) {
    storage::store_options o;
    o.data_dir = dir;
    return storage::open_sqlite_store(o);
}

TEST(BenchFixture, MakesRoomsOfMembersWithWorkingSessions) {
    temp_folder tmp;
    auto store = open_store(tmp.path / "data");
    bench_fixture_options o;
    o.rooms = 2;
    o.room_size = 3;
    const auto clients = make_bench_fixture(*store, o);
    ASSERT_EQ(clients.size(), 6u);
    std::set<storage::user_id> users;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        const auto& c = clients[i];
        EXPECT_EQ(c.room_index, i / 3);
        EXPECT_EQ(c.room, clients[c.room_index * 3].room);
        auto who = store->user_for_session(c.token);
        ASSERT_TRUE(who) << i;
        EXPECT_EQ(who->id, c.user);
        EXPECT_EQ(who->user_role, storage::role::student);
        EXPECT_TRUE(*store->is_member(c.room, c.user));
        users.insert(c.user);
    }
    EXPECT_EQ(users.size(), 6u);
    EXPECT_NE(clients[0].room, clients[3].room);
    EXPECT_EQ(store->members_of(clients[0].room)->size(), 3u);
}

TEST(BenchFixture, UsersHaveNoPasswordLogin) {
    temp_folder tmp;
    auto store = open_store(tmp.path / "data");
    bench_fixture_options o;
    o.rooms = 1;
    o.room_size = 1;
    make_bench_fixture(*store, o);
    const auto u = store->find_user("bench-r0-m0");
    ASSERT_TRUE(u);
    EXPECT_EQ(store->verify_password("bench-r0-m0", "").error(),
              make_error_code(storage::errc::bad_credentials));
    EXPECT_EQ(store->verify_password("bench-r0-m0", "anything").error(),
              make_error_code(storage::errc::bad_credentials));
}

TEST(BenchFixture, RunningAgainReusesEverythingButTheTokens) {
    temp_folder tmp;
    auto store = open_store(tmp.path / "data");
    bench_fixture_options o;
    o.rooms = 2;
    o.room_size = 2;
    const auto first = make_bench_fixture(*store, o);
    o.rooms = 3;  // a larger run extends the fixture
    const auto second = make_bench_fixture(*store, o);
    ASSERT_EQ(second.size(), 6u);
    for (std::size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(second[i].user, first[i].user);
        EXPECT_EQ(second[i].room, first[i].room);
        EXPECT_NE(second[i].token, first[i].token);
        EXPECT_TRUE(store->user_for_session(first[i].token));  // old tokens stay valid
    }
    EXPECT_EQ(store->members_of(second[0].room)->size(), 2u);
    EXPECT_NE(second[4].room, second[0].room);
}

TEST(BenchFixture, TokensFileIsPrivateAndReadsBackInCirclesBench) {
    temp_folder tmp;
    auto store = open_store(tmp.path / "data");
    bench_fixture_options o;
    o.rooms = 2;
    o.room_size = 2;
    const auto clients = make_bench_fixture(*store, o);
    const auto file = tmp.path / "tokens.txt";
    write_bench_tokens(file, clients);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const auto plan = bench::read_tokens_file(file);
    ASSERT_EQ(plan.size(), clients.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        EXPECT_EQ(plan[i].room_index, clients[i].room_index);
        EXPECT_EQ(plan[i].room_id, static_cast<std::uint64_t>(clients[i].room));
        EXPECT_EQ(plan[i].token, clients[i].token);
    }
}

TEST(BenchFixture, CommandLineNeedsItsArguments) {
    std::ostringstream out;
    EXPECT_THROW(run_admin({}, out), std::invalid_argument);
    EXPECT_THROW(run_admin({"nope"}, out), std::invalid_argument);
    EXPECT_THROW(run_admin({"bench-fixture", "--rooms", "2"}, out), std::invalid_argument);
    EXPECT_THROW(
        run_admin({"bench-fixture", "--rooms", "0", "--tokens-out", "x", "--data", "d"}, out),
        std::invalid_argument);
    EXPECT_THROW(run_admin({"bench-fixture", "--rooms", "1", "--tokens-out", "x"}, out),
                 std::invalid_argument);  // neither --data nor --config
    EXPECT_THROW(
        run_admin({"bench-fixture", "--rooms", "1", "--tokens-out", "x", "--data", "d", "--extra"},
                  out),
        std::invalid_argument);
}

TEST(BenchFixture, CommandLineWritesTokensAndASummaryWithoutThem) {
    temp_folder tmp;
    const auto file = tmp.path / "tokens.txt";
    std::ostringstream out;
    EXPECT_EQ(run_admin({"bench-fixture", "--rooms", "2", "--room-size", "3", "--tokens-out",
                         file.string(), "--data", (tmp.path / "data").string(), "--ttl-hours", "2"},
                        out),
              0);
    const auto plan = bench::read_tokens_file(file);
    ASSERT_EQ(plan.size(), 6u);
    for (const auto& c : plan) EXPECT_EQ(out.str().find(c.token), std::string::npos);
    EXPECT_NE(out.str().find("6 session tokens"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace circles::gateway

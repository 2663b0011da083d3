// A short circles-bench run against the real circles server (and, when its packages are
// installed, against the Socket.IO peer server): every message of the window reaches every
// member of its room exactly once. No timing is asserted; machines differ.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../integration/harness.hpp"

#ifndef CIRCLES_BENCH_BIN
#error "CIRCLES_BENCH_BIN must name the circles-bench executable"
#endif

namespace circles::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct temp_folder {
    fs::path path = circles::test::make_temp_dir();
    ~temp_folder() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

// Runs a command, returns (exit status, stdout).
std::pair<int, std::string> run(const std::vector<std::string>& args) {
    std::string command;
    for (const auto& a : args) command += quoted(a) + " ";
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return {-1, {}};
    std::string out;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A child process with its output in a log file; killed at the end of the test.
class child {
  public:
    child(std::vector<std::string> args, const fs::path& log, const fs::path& cwd = {}) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~child() { stop(); }
    int pid() const { return pid_; }
    bool alive() {
        int status = 0;
        return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
    }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
            std::this_thread::sleep_for(50ms);
        }
        if (::waitpid(pid_, &status, WNOHANG) == 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }

  private:
    int pid_ = -1;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool wait_healthy(std::uint16_t port, child& server, const char* path) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline && server.alive()) {
        try {
            if (circles::test::http_request(port, boost::beast::http::verb::get, path).status ==
                200) {
                return true;
            }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// The tiny scenario of both smoke runs: 12 clients in rooms of 6, 2 msg/s, 1 s warm-up and a
// 2 s window, JSON out.
std::vector<std::string> small_run(std::vector<std::string> args, int server_pid) {
    args.insert(args.begin(), CIRCLES_BENCH_BIN);
    std::istringstream common(
        "--connections 12 --room-size 6 --rate 2 --duration 2 --warmup 1 --settle 0.2 "
        "--drain 10 --json --server-pid");
    for (std::string w; common >> w;) args.push_back(w);
    args.push_back(std::to_string(server_pid));
    return args;
}

// A count from the report (JSON integers parse as int64 when they fit).
std::uint64_t n(const boost::json::object& r, std::string_view key) {
    return r.at(key).to_number<std::uint64_t>();
}

void expect_every_message_once(const boost::json::object& r, std::size_t connections) {
    EXPECT_EQ(n(r, "connections"), connections);
    EXPECT_GT(n(r, "sent"), 0u);
    EXPECT_GT(n(r, "delivered"), 0u);
    EXPECT_EQ(n(r, "delivered"), n(r, "expected"));
    EXPECT_EQ(n(r, "lost"), 0u);
    EXPECT_EQ(n(r, "duplicated"), 0u);
    EXPECT_EQ(n(r, "unexpected"), 0u);
    EXPECT_EQ(n(r, "errors_total"), 0u) << boost::json::serialize(r.at("errors"));
    EXPECT_EQ(n(r, "acked"), n(r, "sent"));
    EXPECT_GT(n(r.at("latency_ms").as_object(), "count"), 0u);
    EXPECT_TRUE(r.at("clean").as_bool());
    EXPECT_TRUE(r.at("drain_complete").as_bool());
}

TEST(BenchSmoke, EveryMessageReachesEveryMemberOnceOnCircles) {
    temp_folder tmp;
    const auto data = tmp.path / "data";
    const auto tokens = tmp.path / "tokens.txt";
    const auto [fixture_status, fixture_out] =
        run({CIRCLES_BIN, "admin", "bench-fixture", "--rooms", "2", "--room-size", "6",
             "--tokens-out", tokens.string(), "--data", data.string()});
    ASSERT_EQ(fixture_status, 0) << fixture_out;

    // The default school policy, moderation on, with the flooding rates a load test needs
    // (a student may send 8 messages in 10 s; here every member sends 2 a second).
    std::string policy = slurp(CIRCLES_DEFAULT_POLICY_FILE);
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"user_messages = 8\n", "user_messages = 1000\n"},
          {"room_messages = 30\n", "room_messages = 100000\n"}}) {
        const auto at = policy.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        policy.replace(at, from.size(), to);
    }
    std::ofstream(tmp.path / "policy.toml") << policy;

    const auto port = circles::test::free_port();
    const auto config = tmp.path / "circles.toml";
    std::ofstream(config) << "listen = \"127.0.0.1:" << port << "\"\n"
                          << "data_dir = \"" << data.string() << "\"\n"
                          << "policy_file = \"policy.toml\"\n"
                          // The bench's rooms have no facilitator: always live.
                          << "facilitated_sessions = false\n"
                          << "[limits]\nsend_rate_per_second = 100.0\nsend_burst = 100.0\n";
    child server({CIRCLES_BIN, "serve", "--config", config.string()}, tmp.path / "server.log");
    ASSERT_TRUE(wait_healthy(port, server, "/healthz")) << slurp(tmp.path / "server.log");

    const auto [status, out] = run(small_run(
        {"--url", "ws://127.0.0.1:" + std::to_string(port) + "/ws", "--tokens", tokens.string()},
        server.pid()));
    ASSERT_TRUE(server.alive()) << slurp(tmp.path / "server.log");
    boost::json::error_code ec;
    const auto v = boost::json::parse(out, ec);
    ASSERT_FALSE(ec) << "not JSON: " << out;
    const auto& r = v.as_object();
    expect_every_message_once(r, 12);
    EXPECT_EQ(n(r, "rooms"), 2u);
    EXPECT_EQ(r.at("protocol").as_string(), "circles");
    EXPECT_FALSE(r.at("rss_connected_bytes").is_null());
    EXPECT_FALSE(r.at("bytes_per_connection").is_null());
    // The server's CPU in the window, and what arrived in it (the cost per delivery is the
    // one over the other). A server that keeps up delivers in the window about what the
    // window sent, give or take the messages in flight at its two ends.
    EXPECT_FALSE(r.at("server_cpu_s").is_null());
    ASSERT_FALSE(r.at("arrived_in_window").is_null());
    const auto arrived = static_cast<double>(n(r, "arrived_in_window"));
    const auto delivered = static_cast<double>(n(r, "delivered"));
    EXPECT_GT(arrived, 0.0);
    EXPECT_NEAR(arrived, delivered, delivered / 2);
    // The generator's own CPU in the window: it received those messages, so it ran.
    ASSERT_FALSE(r.at("generator_user_s").is_null());
    ASSERT_FALSE(r.at("generator_system_s").is_null());
    const double user = r.at("generator_user_s").to_number<double>();
    const double kernel = r.at("generator_system_s").to_number<double>();
    EXPECT_GE(user, 0.0);
    EXPECT_GE(kernel, 0.0);
    EXPECT_GT(user + kernel, 0.0);
    EXPECT_EQ(status, 0) << out;
}

TEST(BenchSmoke, EveryMessageReachesEveryMemberOnceOnTheSocketIoPeer) {
    const fs::path peer = CIRCLES_SOCKETIO_PEER_DIR;
    if (!fs::exists(peer / "node_modules" / "socket.io")) {
        GTEST_SKIP() << "bench/peers/socketio has no node_modules (run npm ci there)";
    }
    if (run({"sh", "-c", "command -v node"}).first != 0) GTEST_SKIP() << "no node";
    temp_folder tmp;
    const auto port = circles::test::free_port();
    child server({"node", (peer / "server.js").string(), "--port", std::to_string(port)},
                 tmp.path / "peer.log", peer);
    ASSERT_TRUE(wait_healthy(port, server, "/healthz")) << slurp(tmp.path / "peer.log");
    const auto [status, out] =
        run(small_run({"--protocol", "socketio", "--url", "ws://127.0.0.1:" + std::to_string(port)},
                      server.pid()));
    boost::json::error_code ec;
    const auto v = boost::json::parse(out, ec);
    ASSERT_FALSE(ec) << "not JSON: " << out << slurp(tmp.path / "peer.log");
    expect_every_message_once(v.as_object(), 12);
    EXPECT_EQ(status, 0) << out;
}

}  // namespace
}  // namespace circles::bench

// The listener of the real server: accepted sockets have Nagle's algorithm off, and running out
// of file descriptors makes it back off and recover rather than retry accept in a tight loop.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace circles::test {
namespace {

// The socket inode of the connection 127.0.0.1:local_port -> 127.0.0.1:remote_port in the
// table of TCP sockets (/proc/net/tcp: hex "ADDR:PORT" columns, inode in the tenth).
std::string socket_inode(std::uint16_t local_port, std::uint16_t remote_port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode;
        auto port_of = [](const std::string& addr) {
            return static_cast<std::uint16_t>(
                std::stoul(addr.substr(addr.find(':') + 1), nullptr, 16));
        };
        if (port_of(local) == local_port && port_of(remote) == remote_port) return inode;
    }
    return {};
}

// The server process's descriptor for `inode`, duplicated into this process (pidfd_getfd,
// Linux 5.6). -1 if it is not (yet) in the server's table or the kernel refuses.
int server_descriptor(pid_t pid, const std::string& inode) {
    const std::string want = "socket:[" + inode + "]";
    const auto dir = std::filesystem::path("/proc") / std::to_string(pid) / "fd";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::error_code link_ec;
        if (std::filesystem::read_symlink(entry.path(), link_ec).string() != want) continue;
        const int target = std::stoi(entry.path().filename().string());
        const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (pidfd < 0) return -1;
        const int fd = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, target, 0));
        ::close(pidfd);
        return fd;
    }
    return -1;
}

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
    return n;
}

std::size_t open_descriptors(pid_t pid) {
    std::error_code ec;
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(
             std::filesystem::path("/proc") / std::to_string(pid) / "fd", ec)) {
        ++n;
    }
    return n;
}

TEST(Listener, AcceptedSocketsSendWithoutNagleDelay) {
    server_process server(make_temp_dir() / "data");
    server.start();

    // A kept-alive HTTP connection: once /healthz is answered the server has accepted it.
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    ASSERT_EQ(res.result_int(), 200u);

    const auto inode = socket_inode(server.port(), stream.socket().local_endpoint().port());
    ASSERT_FALSE(inode.empty());
    const int fd = server_descriptor(server.pid(), inode);
    if (fd < 0) GTEST_SKIP() << "the kernel does not let this test look at the server's socket";
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    ::close(fd);
    EXPECT_NE(nodelay, 0) << "the server's end of the connection has Nagle's algorithm on";
}

TEST(Listener, OutOfDescriptorsBacksOffThenRecovers) {
    server_process server(make_temp_dir() / "data");
    server.start();
    const pid_t pid = server.pid();

    // Let the server's descriptors settle first (the connection start() probed /healthz with
    // may still be closing): a descriptor the server frees on its own ends an episode early.
    for (std::size_t last = 0, now = open_descriptors(pid); now != last;
         last = now, now = open_descriptors(pid)) {
        std::this_thread::sleep_for(300ms);
    }

    // Leave the server a few descriptors more than it holds now.
    rlimit before{};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &before), 0);
    rlimit tight = before;
    tight.rlim_cur = open_descriptors(pid) + 4;
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &tight, nullptr), 0);

    // Idle connections take what is left; the rest wait in the backlog, and every accept of
    // them fails with EMFILE.
    net::io_context ioc;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 16; ++i) {
        idle.emplace_back(ioc);
        idle.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    }
    std::this_thread::sleep_for(1500ms);
    const std::string log = server.log();
    // One warning per episode, not per failed accept (that would be one every 100 ms, or
    // thousands a second without the backoff). Should the server free a descriptor of its
    // own meanwhile, one accept succeeds ("recovered") and a new episode starts: a few at most.
    const auto warnings = count_lines_with(log, "retrying every");
    EXPECT_GE(warnings, 1u) << log.substr(0, 2000);
    EXPECT_LE(warnings, 3u) << log.substr(0, 2000);
    EXPECT_EQ(count_lines_with(log, "accept: "),
              warnings + count_lines_with(log, "accept: recovered"))
        << "nothing but warnings and recoveries: " << log.substr(0, 2000);

    // Descriptors come back: the waiting connections are accepted and the server serves.
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &before, nullptr), 0);
    for (auto& s : idle) {
        beast::error_code ignored;
        s.close(ignored);
    }
    EXPECT_EQ(http_request(server.port(), http::verb::get, "/healthz").status, 200u);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (count_lines_with(server.log(), "accept: recovered") == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    const auto final_log = server.log();
    EXPECT_EQ(count_lines_with(final_log, "accept: recovered"), warnings) << final_log;
    // The backoff: the last episode lasted about 1.5 s, so about 15 failed attempts at 100 ms
    // each; a listener that re-accepted at once would count thousands.
    const auto at = final_log.rfind("recovered after ");
    ASSERT_NE(at, std::string::npos);
    const auto attempts = std::stoul(final_log.substr(at + std::string("recovered after ").size()));
    EXPECT_GE(attempts, 1u);
    EXPECT_LE(attempts, 60u) << final_log;
}

}  // namespace
}  // namespace circles::test

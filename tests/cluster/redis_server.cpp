#include "redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/loopback.hpp"

extern char** environ;

namespace circles::cluster::testing {

namespace {

constexpr int max_port_tries = 5;
constexpr std::chrono::milliseconds start_limit{5000};

std::string executable() {
    if (const char* e = std::getenv("CIRCLES_REDIS_SERVER"); e && *e) return e;
    return "redis-server";
}

// True when something accepts on 127.0.0.1:port and answers PING (+PONG, or -NOAUTH when it
// wants a password).
bool answers_ping(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    timeval tv{0, 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        const char ping[] = "PING\r\n";
        char buf[16] = {};
        ok = ::write(fd, ping, sizeof ping - 1) == sizeof ping - 1 && ::read(fd, buf, 7) >= 5 &&
             (std::string(buf).starts_with("+PONG") || std::string(buf).starts_with("-NOAUTH"));
    }
    ::close(fd);
    return ok;
}

}  // namespace

bool redis_server::logged_ready() const {
    std::ifstream in(dir_ / "redis.log");
    std::string line;
    while (std::getline(in, line)) {
        if (line.find("Ready to accept connections") != std::string::npos) return true;
    }
    return false;
}

redis_server::redis_server(std::vector<std::string> extra) : extra_(std::move(extra)) {
    auto tmpl = (std::filesystem::temp_directory_path() / "circles-redis-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    for (int i = 0; i < max_port_tries; ++i) {
        port_ = circles::test::free_loopback_port();
        if (launch()) return;
    }
    std::filesystem::remove_all(dir_);
    throw std::runtime_error(
        "redis-server did not start (is it installed? set "
        "CIRCLES_REDIS_SERVER to its path); see its log in the temp dir");
}

redis_server::~redis_server() {
    if (pid_ > 0) {
        ::kill(pid_, SIGCONT);
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string redis_server::url() const {
    return "redis://127.0.0.1:" + std::to_string(port_) + "/0";
}

bool redis_server::launch() {
    const std::string exe = executable();
    const std::string port = std::to_string(port_);
    const std::string log = (dir_ / "redis.log").string();
    std::filesystem::remove(log);
    std::vector<std::string> args{exe, "--port",       port, "--bind", "127.0.0.1",   "--save",
                                  "",  "--appendonly", "no", "--dir",  dir_.string(), "--logfile",
                                  log, "--daemonize",  "no"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawnp(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot run " + exe + " (set CIRCLES_REDIS_SERVER)");
    }
    pid_ = pid;
    if (wait_ready(start_limit)) return true;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
}

bool redis_server::wait_ready(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;  // exited: most likely the port was taken meanwhile
            return false;
        }
        // Its own log says so: a PONG alone could come from another test's server that took
        // the port first.
        if (logged_ready() && answers_ping(port_)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

void redis_server::pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void redis_server::resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void redis_server::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void redis_server::restart() {
    kill();
    // The old socket is gone with the process; redis binds with SO_REUSEADDR.
    for (int i = 0; i < max_port_tries; ++i) {
        if (launch()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
}

}  // namespace circles::cluster::testing

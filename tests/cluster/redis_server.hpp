#pragma once
// A real redis-server for one test: on a free loopback port, in a fresh temporary directory,
// with no persistence. kill() is SIGKILL (Redis gone mid-stream); restart() brings a new,
// empty server up on the same port, as after a crash with persistence off.
//
// The executable is `redis-server` on PATH, or CIRCLES_REDIS_SERVER.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace circles::cluster::testing {

class redis_server {
  public:
    // Starts it, with `extra` arguments (e.g. --requirepass); throws std::runtime_error when
    // it cannot.
    explicit redis_server(std::vector<std::string> extra = {});
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::string url() const;  // redis://127.0.0.1:<port>/0

    void pause();    // SIGSTOP: hung, yet the kernel still accepts connections
    void resume();   // SIGCONT
    void kill();     // SIGKILL, and reaps it
    void restart();  // after kill(): same port, empty data

  private:
    bool launch();  // false when it did not come up (port taken)
    bool wait_ready(std::chrono::milliseconds limit);
    bool logged_ready() const;

    std::vector<std::string> extra_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace circles::cluster::testing

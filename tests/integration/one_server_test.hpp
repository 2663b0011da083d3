#pragma once
// A gtest fixture with one real circles server on loopback (the demo data, sends allowed at
// 100 per second so a test is never slowed by the flood limit), and the calls every test of it
// makes: connect a demo user, ask and wait for the answer, a fresh client_msg_id.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness.hpp"

namespace circles::test {

class one_server_test : public ::testing::Test {
  protected:
    void SetUp() override {
        server_ = std::make_unique<server_process>(
            make_temp_dir() / "data",
            "[limits]\nsend_rate_per_second = 100.0\nsend_burst = 200.0\n");
        server_->start();
    }
    client connect(const std::string& user) {
        return client(server_->port(), login(server_->port(), user), server_->origin());
    }
    // The answer to `f`; an empty frame when none came in time (every check on it then fails).
    static v1::ServerFrame ask(client& c, v1::ClientFrame f) {
        auto reply = c.wait_reply(c.send(std::move(f)));
        return reply ? *reply : v1::ServerFrame{};
    }
    static std::string unique(const std::string& base) {
        static int n = 0;
        return base + "-" + std::to_string(++n);
    }
    std::unique_ptr<server_process> server_;
};

}  // namespace circles::test

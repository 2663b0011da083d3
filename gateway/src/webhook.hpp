#pragma once
// Posts small JSON documents to a school's webhook (an e-mail or SMS bridge) with Beast, on
// the io_context, never blocking an I/O thread. Plain http:// only, with a timeout for the
// whole exchange. A delivery that fails (no answer, not 2xx) is logged by its URL with any
// credentials and query removed, and kept for retry_failed(), which the pager calls at every
// check; after max_attempts it is dropped with an error line (the escalation itself stays
// open in the store and is paged again at its next deadline).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "beast.hpp"

namespace circles::gateway {

struct webhook_url {
    std::string host;
    std::string port = "80";
    std::string target = "/";
    std::string authorization;  // "Basic ..." from user:password@, or ""
    std::string for_log;        // http://host:port/path: no credentials, no query
};
// nullopt unless `url` is http://[user[:password]@]host[:port][/path][?query].
std::optional<webhook_url> parse_webhook_url(std::string_view url);

class webhook_client : public std::enable_shared_from_this<webhook_client> {
  public:
    static constexpr int max_attempts = 10;
    static constexpr std::size_t max_waiting = 1000;  // failed deliveries kept for retry

    webhook_client(net::io_context& ioc, std::chrono::milliseconds timeout);

    // Any thread: starts one POST of `json` to `url` and returns at once.
    void post(const std::string& url, std::string json);
    // Any thread: starts again every delivery that failed so far.
    void retry_failed();

  private:
    struct delivery {
        webhook_url url;
        std::string json;
        int attempts = 0;
    };
    class exchange;
    void start(delivery d);
    void on_done(delivery d, beast::error_code ec, unsigned status);

    net::io_context& ioc_;
    const std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::vector<delivery> waiting_;
};

}  // namespace circles::gateway

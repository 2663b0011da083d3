#include "webhook.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

namespace circles::gateway {

std::optional<webhook_url> parse_webhook_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) return std::nullopt;
    url.remove_prefix(scheme.size());
    const auto path_at = url.find_first_of("/?");
    std::string_view authority = url.substr(0, path_at);
    std::string_view rest = path_at == std::string_view::npos ? "" : url.substr(path_at);
    webhook_url out;
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view user_info = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        std::string encoded(
            sodium_base64_ENCODED_LEN(user_info.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
        sodium_bin2base64(encoded.data(), encoded.size(),
                          reinterpret_cast<const unsigned char*>(user_info.data()),
                          user_info.size(), sodium_base64_VARIANT_ORIGINAL);
        encoded.resize(encoded.size() - 1);  // the terminating NUL
        out.authorization = "Basic " + encoded;
    }
    if (authority.empty()) return std::nullopt;
    if (authority.front() == '[') {  // [v6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty()) {
            if (authority.front() != ':') return std::nullopt;
            out.port = std::string(authority.substr(1));
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        out.host = std::string(authority.substr(0, colon));
        out.port = std::string(authority.substr(colon + 1));
    } else {
        out.host = std::string(authority);
    }
    if (out.host.empty() || out.port.empty() || out.port.size() > 5 ||
        out.port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(out.port) == 0 || std::stoul(out.port) > 65535) {
        return std::nullopt;
    }
    for (const char c : rest) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return std::nullopt;
    }
    if (!rest.empty())
        out.target = rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
    const auto path = std::string_view(out.target).substr(0, out.target.find('?'));
    out.for_log = "http://" + out.host + ":" + out.port + std::string(path);
    return out;
}

// One POST: resolve, connect, write, read, all under one deadline, on its own strand.
class webhook_client::exchange : public std::enable_shared_from_this<exchange> {
  public:
    exchange(net::io_context& ioc, std::shared_ptr<webhook_client> owner, delivery d,
             std::chrono::milliseconds timeout)
        : resolver_(net::make_strand(ioc)),
          stream_(resolver_.get_executor()),
          owner_(std::move(owner)),
          d_(std::move(d)),
          timeout_(timeout) {}

    void run() {
        req_ = {http::verb::post, d_.url.target, 11};
        req_.set(http::field::host, d_.url.host);
        req_.set(http::field::user_agent, "circles");
        req_.set(http::field::content_type, "application/json");
        if (!d_.url.authorization.empty())
            req_.set(http::field::authorization, d_.url.authorization);
        req_.body() = d_.json;
        req_.prepare_payload();
        stream_.expires_after(timeout_);
        resolver_.async_resolve(
            d_.url.host, d_.url.port,
            beast::bind_front_handler(&exchange::on_resolve, shared_from_this()));
    }

  private:
    void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return done(ec);
        stream_.async_connect(results,
                              beast::bind_front_handler(&exchange::on_connect, shared_from_this()));
    }
    void on_connect(beast::error_code ec, const tcp::endpoint&) {
        if (ec) return done(ec);
        http::async_write(stream_, req_,
                          beast::bind_front_handler(&exchange::on_write, shared_from_this()));
    }
    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return done(ec);
        http::async_read(stream_, buffer_, res_,
                         beast::bind_front_handler(&exchange::on_read, shared_from_this()));
    }
    void on_read(beast::error_code ec, std::size_t) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        done(ec, res_.result_int());
    }
    void done(beast::error_code ec, unsigned status = 0) {
        owner_->on_done(std::move(d_), ec, status);
    }

    tcp::resolver resolver_;
    beast::tcp_stream stream_;
    std::shared_ptr<webhook_client> owner_;
    delivery d_;
    std::chrono::milliseconds timeout_;
    http::request<http::string_body> req_;
    beast::flat_buffer buffer_;
    http::response<http::string_body> res_;
};

webhook_client::webhook_client(net::io_context& ioc, std::chrono::milliseconds timeout)
    : ioc_(ioc), timeout_(timeout) {}

void webhook_client::post(const std::string& url, std::string json) {
    auto parsed = parse_webhook_url(url);
    if (!parsed) {
        // The admin command refuses such URLs; never print it (it may hold a password).
        spdlog::error("webhook: not an http:// URL; nothing posted");
        return;
    }
    start({std::move(*parsed), std::move(json), 0});
}

void webhook_client::start(delivery d) {
    ++d.attempts;
    auto x = std::make_shared<exchange>(ioc_, shared_from_this(), std::move(d), timeout_);
    net::post(ioc_, [x] { x->run(); });
}

void webhook_client::on_done(delivery d, beast::error_code ec, unsigned status) {
    if (!ec && status >= 200 && status < 300) return;
    const std::string why = ec ? ec.message() : "answered HTTP " + std::to_string(status);
    std::lock_guard lock(mutex_);
    if (d.attempts >= max_attempts || waiting_.size() >= max_waiting) {
        spdlog::error("webhook: {} failed ({}) after {} attempts; dropped", d.url.for_log, why,
                      d.attempts);
        return;
    }
    spdlog::warn("webhook: {} failed ({}); retried at the next check", d.url.for_log, why);
    waiting_.push_back(std::move(d));
}

void webhook_client::retry_failed() {
    std::vector<delivery> again;
    {
        std::lock_guard lock(mutex_);
        again.swap(waiting_);
    }
    for (auto& d : again) start(std::move(d));
}

}  // namespace circles::gateway

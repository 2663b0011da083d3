#include "http_session.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "api.hpp"
#include "static_files.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace json = boost::json;

namespace {
constexpr std::size_t max_username_bytes = 64;
constexpr std::size_t max_password_bytes = 1024;
}  // namespace

http_session::http_session(connection_socket&& socket, std::shared_ptr<shared_state> state)
    : stream_(std::move(socket)), state_(std::move(state)) {}

http_session::~http_session() {
    if (registry_id_) state_->remove(registry_id_);
}

void http_session::run() {
    registry_id_ = state_->add(weak_from_this());
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::close_for_shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream_.close();
    });
}

void http_session::do_read() {
    parser_.emplace();
    parser_->body_limit(state_->cfg().lim.max_http_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(state_->cfg().lim.http_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit) {
        request req;
        req.version(11);
        req.keep_alive(false);
        return send(error_response(req, http::status::payload_too_large, "body_too_large",
                                   "request body too large"));
    }
    if (ec) return fail(ec, "http read");

    request req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    if (state_->shutting_down()) {
        req.keep_alive(false);
        return send(error_response(req, http::status::service_unavailable, "shutting_down",
                                   "the server is restarting; try again shortly"));
    }
    const auto target = req.target();
    if (target == "/api/login") return login(std::move(req));
    if (target.starts_with("/api/") || target == "/healthz" || target == "/readyz") {
        return send(handle_api(*state_, req));
    }
    send(serve_static(*state_, req));
}

// The upgrade is refused (no 101) unless the path is /ws, the Origin is on the allowlist
// exactly, and the session token is valid.
void http_session::upgrade(request req) {
    req.keep_alive(false);
    if (req.target() != "/ws") {
        return send(error_response(req, http::status::not_found, "not_found", "no such socket"));
    }
    if (state_->shutting_down()) {
        return send(error_response(req, http::status::service_unavailable, "shutting_down",
                                   "the server is restarting; try again shortly"));
    }
    if (!state_->origin_allowed(req[http::field::origin])) {
        spdlog::info("websocket refused: origin not allowed");
        return send(error_response(req, http::status::forbidden, "origin_not_allowed",
                                   "this page's origin may not open a Circles socket"));
    }
    auto token = token_of(req);
    if (!token) {
        return send(
            error_response(req, http::status::unauthorized, "unauthenticated", "please log in"));
    }
    auto found = state_->store().find_session(*token);
    if (!found) {
        return send(error_response(req, http::status::unauthorized, "unauthenticated",
                                   found.error() == storage::errc::expired
                                       ? "your session has expired; please log in again"
                                       : "please log in"));
    }
    stream_.expires_never();
    std::make_shared<websocket_session>(stream_.release_socket(), state_, std::move(found->who),
                                        *token)
        ->run(std::move(req), found->expires_at);
}

// Argon2id takes a noticeable fraction of a second by design, so it runs on the auth pool
// and the answer is posted back to this connection's strand.
void http_session::login(request req) {
    if (req.method() != http::verb::post) {
        return send(error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                   "use POST"));
    }
    if (auto origin = req[http::field::origin];
        !origin.empty() && !state_->origin_allowed(origin)) {
        return send(error_response(req, http::status::forbidden, "origin_not_allowed",
                                   "log in from the Circles page"));
    }
    std::string username, password;
    {
        boost::system::error_code ec;
        json::value v = json::parse(req.body(), ec);
        const json::object* o = ec ? nullptr : v.if_object();
        const json::value* un = o ? o->if_contains("username") : nullptr;
        const json::value* pw = o ? o->if_contains("password") : nullptr;
        if (!un || !pw || !un->is_string() || !pw->is_string()) {
            return send(error_response(req, http::status::bad_request, "invalid_request",
                                       "send JSON with a username and a password"));
        }
        username = std::string(un->as_string());
        password = std::string(pw->as_string());
    }
    if (username.empty() || username.size() > max_username_bytes || password.empty() ||
        password.size() > max_password_bytes) {
        return send(error_response(req, http::status::unauthorized, "bad_credentials",
                                   "that username and password do not match"));
    }
    if (auto verdict = state_->login_limiter().take("login:" + username); !verdict.allowed) {
        json::object o{{"error", "rate_limited"},
                       {"message", "too many attempts; wait a little and try again"},
                       {"retry_after_ms", verdict.retry_after.count()}};
        return send(json_response(req, http::status::too_many_requests, json::serialize(o)));
    }
    net::post(state_->auth_pool(), [self = shared_from_this(), req = std::move(req),
                                    username = std::move(username),
                                    password = std::move(password)]() mutable {
        auto& store = self->state_->store();
        auto u = store.verify_password(username, password);
        sodium_memzero(password.data(), password.size());
        std::optional<response> res;
        if (!u) {
            if (u.error() == storage::errc::bad_credentials) {
                spdlog::info("login refused");
                res = error_response(req, http::status::unauthorized, "bad_credentials",
                                     "that username and password do not match");
            } else {
                spdlog::error("login: store: {}", u.error().message());
                res = error_response(req, http::status::service_unavailable, "unavailable",
                                     "try again shortly");
            }
        } else if (auto token = store.create_session(u->id, self->state_->cfg().lim.session_ttl)) {
            spdlog::info("login user={}", u->id);
            res = login_response(*self->state_, req, *u, *token);
        } else {
            spdlog::error("login: session: {}", token.error().message());
            res = error_response(req, http::status::service_unavailable, "unavailable",
                                 "try again shortly");
        }
        net::post(self->stream_.get_executor(),
                  [self, res = std::move(*res)]() mutable { self->send(std::move(res)); });
    });
}

void http_session::send(http::message_generator msg) {
    const bool keep_alive = msg.keep_alive();
    beast::async_write(
        stream_, std::move(msg),
        beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "http write");
    if (!keep_alive || state_->shutting_down()) return do_close();
    do_read();
}

void http_session::do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace circles::gateway

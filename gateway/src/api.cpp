#include "api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

namespace circles::gateway {

namespace json = boost::json;

namespace {

void common_headers(response& res) {
    res.set(http::field::server, "circles");
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
}

std::string cookie_value(std::string_view header, std::string_view name) {
    // Cookie: a=b; c=d
    std::size_t pos = 0;
    while (pos < header.size()) {
        while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
        auto end = header.find(';', pos);
        if (end == std::string_view::npos) end = header.size();
        auto pair = header.substr(pos, end - pos);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            return std::string(pair.substr(eq + 1));
        }
        pos = end + 1;
    }
    return {};
}

std::string cookie(const shared_state& state, std::string_view value, std::int64_t max_age) {
    std::string c = std::string(session_cookie) + "=" + std::string(value) +
                    "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
    if (state.cfg().secure_cookies) c += "; Secure";
    return c;
}

}  // namespace

response json_response(const request& req, http::status status, std::string body) {
    response res{status, req.version()};
    common_headers(res);
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response error_response(const request& req, http::status status, std::string_view code,
                        std::string_view message) {
    json::object o{{"error", code}, {"message", message}};
    return json_response(req, status, json::serialize(o));
}

std::optional<std::string> token_of(const request& req) {
    if (auto auth = req[http::field::authorization]; auth.starts_with("Bearer ")) {
        std::string t(auth.substr(7));
        if (!t.empty()) return t;
    }
    if (auto c = cookie_value(req[http::field::cookie], session_cookie); !c.empty()) return c;
    return std::nullopt;
}

std::string user_json(const storage::user& u) {
    json::object o{{"id", u.id},
                   {"display_name", u.display_name},
                   {"role", storage::to_string(u.user_role)},
                   {"school", u.school}};
    return json::serialize(o);
}

response login_response(const shared_state& state, const request& req, const storage::user& u,
                        const std::string& token) {
    json::object o{{"token", token}, {"user", json::parse(user_json(u))}};
    auto res = json_response(req, http::status::ok, json::serialize(o));
    res.set(http::field::set_cookie, cookie(state, token, state.cfg().lim.session_ttl.count()));
    return res;
}

response handle_api(shared_state& state, const request& req) {
    const auto target = req.target();
    if (target == "/healthz") {
        response res{http::status::ok, req.version()};
        common_headers(res);
        res.set(http::field::content_type, "text/plain");
        res.keep_alive(req.keep_alive());
        res.body() = "ok\n";
        res.prepare_payload();
        return res;
    }
    if (target == "/readyz") {
        // Ready when the store answers a read and the bus and presence are connected.
        auto probe = state.store().get_room(0);
        const bool store_ok = probe || probe.error() == storage::errc::not_found;
        const bool ready = store_ok && state.cluster_ready() && !state.shutting_down();
        response res{ready ? http::status::ok : http::status::service_unavailable, req.version()};
        common_headers(res);
        res.set(http::field::content_type, "text/plain");
        res.keep_alive(req.keep_alive());
        res.body() = ready ? "ready\n" : "not ready\n";
        res.prepare_payload();
        return res;
    }
    if (target == "/api/me") {
        if (req.method() != http::verb::get) {
            return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                  "use GET");
        }
        auto token = token_of(req);
        if (!token) {
            return error_response(req, http::status::unauthorized, "unauthenticated",
                                  "please log in");
        }
        auto u = state.store().user_for_session(*token);
        if (!u) {
            return error_response(req, http::status::unauthorized, "unauthenticated",
                                  u.error() == storage::errc::expired
                                      ? "your session has expired; please log in again"
                                      : "please log in");
        }
        return json_response(req, http::status::ok, "{\"user\":" + user_json(*u) + "}");
    }
    if (target == "/api/logout") {
        if (req.method() != http::verb::post) {
            return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                  "use POST");
        }
        if (auto token = token_of(req)) {
            (void)state.store().revoke_session(*token);
            state.end_session(*token);
        }
        response res{http::status::no_content, req.version()};
        common_headers(res);
        res.keep_alive(req.keep_alive());
        res.set(http::field::set_cookie, cookie(state, "", 0));
        res.prepare_payload();
        return res;
    }
    return error_response(req, http::status::not_found, "not_found", "no such API");
}

}  // namespace circles::gateway

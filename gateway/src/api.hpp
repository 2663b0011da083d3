#pragma once
// The JSON API under /api/ and the small HTTP helpers the gateway shares. Every error body is
// {"error": CODE, "message": TEXT} with a stable snake_case CODE.
#include <optional>
#include <string>
#include <string_view>

#include "beast.hpp"
#include "circles/storage/types.hpp"
#include "shared_state.hpp"

namespace circles::gateway {

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

inline constexpr std::string_view session_cookie = "circles_session";

response json_response(const request& req, http::status status, std::string body);
response error_response(const request& req, http::status status, std::string_view code,
                        std::string_view message);

// The session token from the Authorization: Bearer header or the session cookie.
std::optional<std::string> token_of(const request& req);

std::string user_json(const storage::user& u);

// Answers /api/me, /api/logout, /healthz, /readyz and unknown /api/ paths. Login is
// asynchronous (Argon2id runs on the auth pool) and lives in http_session.
response handle_api(shared_state& state, const request& req);

// The reply to a finished login: token in the body and in an HttpOnly, SameSite cookie.
response login_response(const shared_state& state, const request& req, const storage::user& u,
                        const std::string& token);

}  // namespace circles::gateway

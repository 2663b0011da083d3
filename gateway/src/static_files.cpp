#include "static_files.hpp"

#include <fstream>
#include <sstream>

namespace circles::gateway {

namespace {

std::string_view mime_type(std::string_view path) {
    const auto dot = path.rfind('.');
    const auto ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot);
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".webmanifest") return "application/manifest+json";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

// Only plain relative paths: no "..", no backslashes, no NUL, no empty segments.
bool safe_path(std::string_view p) {
    if (p.empty() || p.front() != '/') return false;
    if (p.find("..") != std::string_view::npos || p.find('\\') != std::string_view::npos ||
        p.find('\0') != std::string_view::npos || p.find("//") != std::string_view::npos) {
        return false;
    }
    return true;
}

bool read_file(const std::filesystem::path& path, std::string& out) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = std::move(ss).str();
    return true;
}

}  // namespace

response serve_static(const shared_state& state, const request& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                              "use GET");
    }
    std::string_view target = req.target();
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (!safe_path(target)) {
        return error_response(req, http::status::bad_request, "bad_path", "illegal path");
    }
    std::string rel(target.substr(1));
    if (rel.empty() || rel.back() == '/') rel += "index.html";
    const auto last_segment = rel.substr(rel.rfind('/') + 1);
    const bool route = last_segment.find('.') == std::string::npos;
    if (route) rel = "index.html";  // a client-side route

    std::string body;
    if (!read_file(state.cfg().web_root / rel, body)) {
        if (rel == "index.html") {
            return error_response(req, http::status::service_unavailable, "web_client_missing",
                                  "the web client is not built; run scripts/build");
        }
        return error_response(req, http::status::not_found, "not_found", "no such file");
    }
    response res{http::status::ok, req.version()};
    res.set(http::field::server, "circles");
    res.set(http::field::content_type, mime_type(rel));
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy",
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    // Vite names assets by content hash, so they may be cached forever; the page may not.
    res.set(http::field::cache_control,
            rel.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    res.keep_alive(req.keep_alive());
    if (req.method() == http::verb::head) {
        res.content_length(body.size());
    } else {
        res.body() = std::move(body);
        res.prepare_payload();
    }
    return res;
}

}  // namespace circles::gateway

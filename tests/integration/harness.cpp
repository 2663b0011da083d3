#include "harness.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "../support/loopback.hpp"

#ifndef CIRCLES_BIN
#error "CIRCLES_BIN must name the circles executable"
#endif

namespace circles::test {

command_result run_command(const std::string& command) {
    command_result r;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

command_result run_circles(const std::string& args) {
    return run_command(std::string(CIRCLES_BIN) + " " + args);
}

std::uint16_t free_port() { return free_loopback_port(); }

namespace {

// Every folder make_temp_dir made, removed when the test program ends; if a test failed they
// stay, with the servers' logs in them, and their paths are printed.
class temp_dirs {
  public:
    void add(std::filesystem::path p) {
        std::lock_guard lock(mutex_);
        paths_.push_back(std::move(p));
    }
    ~temp_dirs() {
        if (!::testing::UnitTest::GetInstance()->Passed()) {
            for (const auto& p : paths_) std::fprintf(stderr, "kept for a look: %s\n", p.c_str());
            return;
        }
        for (const auto& p : paths_) {
            std::error_code ec;
            std::filesystem::remove_all(p, ec);
        }
    }

  private:
    std::mutex mutex_;
    std::vector<std::filesystem::path> paths_;
};

temp_dirs& made_dirs() {
    static temp_dirs dirs;
    return dirs;
}

}  // namespace

std::filesystem::path make_temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "circles-it-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    made_dirs().add(tmpl);
    return tmpl;
}

server_process::server_process(std::filesystem::path data_dir, std::string config_toml,
                               rooms_mode mode)
    : data_dir_(std::move(data_dir)), config_toml_(std::move(config_toml)), mode_(mode) {}

server_process::~server_process() {
    if (pid_ > 0) stop(SIGKILL);
}

std::string server_process::log() const {
    std::ifstream in(data_dir_.string() + ".log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void server_process::start() {
    // A fresh port per start: a restarted server may not get the old one back at once.
    port_ = free_port();
    std::vector<std::string> args = {CIRCLES_BIN, "demo",
                                     "--listen",  "127.0.0.1:" + std::to_string(port_),
                                     "--data",    data_dir_.string()};
    {
        // Top-level keys come before any [table] of the suite's own configuration.
        const auto file = data_dir_.string() + ".toml";
        std::ofstream(file) << (mode_ == rooms_mode::always_live ? "facilitated_sessions = false\n"
                                                                 : "")
                            << config_toml_;
        args.push_back("--config");
        args.push_back(file);
    }
    const std::string log_path = data_dir_.string() + ".log";
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    // Seeding the demo and compiling the policy take seconds; with several servers starting at
    // once on a loaded machine, more than half a minute.
    constexpr auto start_wait = 90s;
    const auto deadline = std::chrono::steady_clock::now() + start_wait;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("circles exited at start:\n" + log());
        }
        try {
            if (http_request(port_, http::verb::get, "/healthz").status == 200) return;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(50ms);
    }
    stop(SIGKILL);
    throw std::runtime_error("circles did not answer /healthz in " +
                             std::to_string(start_wait.count()) + " s:\n" + log());
}

int server_process::stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

http_result http_request(std::uint16_t port, http::verb verb, const std::string& target,
                         const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return {res.result_int(), res.body(), std::string(res[http::field::set_cookie])};
}

std::string login(std::uint16_t port, const std::string& username, const std::string& password) {
    boost::json::object o{{"username", username}, {"password", password}};
    auto res = http_request(port, http::verb::post, "/api/login", boost::json::serialize(o));
    if (res.status != 200) {
        throw std::runtime_error("login " + username + ": HTTP " + std::to_string(res.status));
    }
    return std::string(boost::json::parse(res.body).at("token").as_string());
}

namespace {
void prepare(websocket::stream<beast::tcp_stream>& ws, const std::string& token,
             const std::string& origin, bool batched = false) {
    ws.set_option(
        websocket::stream_base::decorator([token, origin, batched](websocket::request_type& r) {
            if (!origin.empty()) r.set(http::field::origin, origin);
            if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
            if (batched) r.set(http::field::sec_websocket_protocol, "circles.v1.batch");
        }));
    ws.read_message_max(64 * 1024 * 1024);
    ws.binary(true);
}
}  // namespace

unsigned client::try_upgrade(std::uint16_t port, const std::string& token,
                             const std::string& origin) {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    prepare(ws, token, origin);
    websocket::response_type res;
    beast::error_code ec;
    ws.handshake(res, "127.0.0.1:" + std::to_string(port), "/ws", ec);
    return res.result_int();
}

client::client(std::uint16_t port, const std::string& token, const std::string& origin,
               bool batched)
    : ws_(ioc_), batched_(batched) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    prepare(ws_, token, origin, batched);
    websocket::response_type res;
    ws_.handshake(res, "127.0.0.1:" + std::to_string(port), "/ws");
    subprotocol_ = std::string(res[http::field::sec_websocket_protocol]);
    auto first = next();
    if (!first || !first->has_hello()) throw std::runtime_error("no Hello from the server");
    hello_ = first->hello();
}

client::~client() {
    if (!closed_) {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }
}

std::uint64_t client::send(v1::ClientFrame frame) {
    if (frame.request_id() == 0) frame.set_request_id(next_request_++);
    send_raw(frame.SerializeAsString());
    return frame.request_id();
}

void client::send_raw(const std::string& bytes, bool binary) {
    ws_.binary(binary);
    ws_.write(net::buffer(bytes));
    ws_.binary(true);
}

std::optional<v1::ServerFrame> client::next(std::chrono::milliseconds timeout) {
    if (!pending_.empty()) {
        auto f = std::move(pending_.front());
        pending_.erase(pending_.begin());
        return f;
    }
    if (!unbatched_.empty()) {
        auto f = std::move(unbatched_.front());
        unbatched_.pop_front();
        return f;
    }
    if (closed_) return std::nullopt;
    if (!read_pending_) {
        read_pending_ = true;
        read_done_ = false;
        ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
            read_done_ = true;
            read_ec_ = ec;
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!read_done_ && std::chrono::steady_clock::now() < deadline) {
        ioc_.restart();
        ioc_.run_one_until(deadline);
    }
    if (!read_done_) return std::nullopt;
    read_pending_ = false;
    if (read_ec_) {
        closed_ = true;
        return std::nullopt;
    }
    v1::ServerFrame f;
    const bool ok = f.ParseFromArray(buffer_.data().data(), static_cast<int>(buffer_.size()));
    buffer_.consume(buffer_.size());
    if (!ok) throw std::runtime_error("server sent a frame that is not a ServerFrame");
    if (!f.has_batch()) return f;
    if (!batched_) throw std::runtime_error("server sent a FrameBatch to a client without it");
    if (f.batch().frames().empty()) throw std::runtime_error("server sent an empty FrameBatch");
    ++batches_;
    for (const auto& bytes : f.batch().frames()) {
        v1::ServerFrame inner;
        if (!inner.ParseFromString(bytes) || inner.has_batch()) {
            throw std::runtime_error("a FrameBatch element is not a plain ServerFrame");
        }
        unbatched_.push_back(std::move(inner));
        ++batched_frames_;
    }
    auto first = std::move(unbatched_.front());
    unbatched_.pop_front();
    return first;
}

std::optional<v1::ServerFrame> client::wait_for(
    const std::function<bool(const v1::ServerFrame&)>& pred, std::chrono::milliseconds timeout) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (pred(*it)) {
            auto f = std::move(*it);
            pending_.erase(it);
            return f;
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<v1::ServerFrame> skipped;
    std::optional<v1::ServerFrame> found;
    while (!closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) break;
        // next() must read from the socket here, not from pending_.
        auto saved = std::move(pending_);
        pending_.clear();
        auto f = next(left);
        pending_ = std::move(saved);
        if (!f) break;
        if (pred(*f)) {
            found = std::move(f);
            break;
        }
        skipped.push_back(std::move(*f));
    }
    pending_.insert(pending_.end(), skipped.begin(), skipped.end());
    return found;
}

std::optional<v1::ServerFrame> client::wait_reply(std::uint64_t request_id,
                                                  std::chrono::milliseconds timeout) {
    return wait_for([request_id](const v1::ServerFrame& f) { return f.request_id() == request_id; },
                    timeout);
}

bool client::receives_before_pong(const std::function<bool(const v1::ServerFrame&)>& pred) {
    v1::ClientFrame ping;
    ping.mutable_ping()->set_client_time_ms(1);
    if (!wait_reply(send(ping))) throw std::runtime_error("no answer to Ping");
    // wait_for kept every frame before the pong.
    return std::any_of(pending_.begin(), pending_.end(), pred);
}

void client::discard_received() {
    receives_before_pong([](const v1::ServerFrame&) { return false; });
    pending_.clear();
}

v1::ServerFrame client::join(std::uint64_t room, std::optional<v1::Resume> resume) {
    v1::ClientFrame f;
    f.mutable_join()->set_room_id(room);
    if (resume) *f.mutable_join()->mutable_resume() = *resume;
    auto reply = wait_reply(send(f));
    if (!reply) throw std::runtime_error("no answer to JoinRoom");
    return *reply;
}

v1::ServerFrame client::send_text(std::uint64_t room, const std::string& client_msg_id,
                                  const std::string& text) {
    v1::ClientFrame f;
    auto* s = f.mutable_send();
    s->set_room_id(room);
    s->set_client_msg_id(client_msg_id);
    s->set_text(text);
    auto reply = wait_reply(send(f));
    if (!reply) throw std::runtime_error("no answer to SendMessage");
    return *reply;
}

std::uint64_t client::room_id(const std::string& name) {
    v1::ClientFrame f;
    f.mutable_list_rooms();
    auto reply = wait_reply(send(f));
    if (!reply || !reply->has_rooms()) throw std::runtime_error("no answer to ListRooms");
    for (const auto& r : reply->rooms().rooms()) {
        if (r.name() == name) return r.room_id();
    }
    return 0;
}

std::uint16_t client::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) {
        auto saved = std::move(pending_);
        pending_.clear();
        next(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        pending_ = std::move(saved);
    }
    return closed_ ? static_cast<std::uint16_t>(ws_.reason().code) : 0;
}

void client::close() {
    if (closed_) return;
    beast::error_code ignored;
    ws_.close(websocket::close_code::normal, ignored);
    closed_ = true;
}

std::vector<v1::MessageEvent> receive_messages(client& c, std::size_t n,
                                               std::chrono::seconds limit) {
    std::vector<v1::MessageEvent> got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.size() < n && !c.closed() && std::chrono::steady_clock::now() < deadline) {
        auto f = c.next(500ms);
        if (f && f->has_message()) got.push_back(f->message());
    }
    return got;
}

std::string sqlite_scalar(const std::filesystem::path& db_file, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out = "(none)";
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            const auto* t = sqlite3_column_text(stmt, 0);
            out = t ? reinterpret_cast<const char*>(t) : "";
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return out;
}

bool sqlite_exec(const std::filesystem::path& db_file, const std::string& sql) {
    sqlite3* db = nullptr;
    bool ok = sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
              sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

}  // namespace circles::test

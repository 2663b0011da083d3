#include "postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/loopback.hpp"

namespace circles::storage::testing {
namespace {

using namespace std::chrono_literals;

// Who runs initdb and postgres: this process's user, or nobody/nogroup when that is root.
struct run_as {
    bool drop = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

run_as server_user() {
    run_as who;
    if (::geteuid() != 0) return who;
    const passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) {
        throw std::runtime_error(
            "running as root, and PostgreSQL refuses root: no user `nobody` to run it as");
    }
    who.drop = true;
    who.uid = pw->pw_uid;
    who.gid = pw->pw_gid;
    return who;
}

bool has_server_programs(const std::filesystem::path& dir) {
    return ::access((dir / "initdb").c_str(), X_OK) == 0 &&
           ::access((dir / "postgres").c_str(), X_OK) == 0;
}

// $CIRCLES_PG_BINDIR, else PATH, else Debian's /usr/lib/postgresql/<newest>/bin.
std::filesystem::path find_bindir() {
    if (const char* env = std::getenv("CIRCLES_PG_BINDIR"); env && *env) return env;
    if (const char* path = std::getenv("PATH")) {
        std::stringstream dirs(path);
        std::string dir;
        while (std::getline(dirs, dir, ':')) {
            if (!dir.empty() && has_server_programs(dir)) return dir;
        }
    }
    std::error_code ec;
    std::filesystem::path best;
    int best_version = -1;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
        const std::string name = entry.path().filename().string();
        const int version = std::atoi(name.c_str());
        if (version > best_version && has_server_programs(entry.path() / "bin")) {
            best_version = version;
            best = entry.path() / "bin";
        }
    }
    return best;
}

// Starts `argv` with stdout/stderr appended to `log`, in `cwd`, as `who`. With
// `die_with_parent`, the child gets SIGINT (PostgreSQL's fast shutdown) when this process
// dies, however it dies.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log,
            const std::filesystem::path& cwd, const run_as& who, bool die_with_parent) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // The child: only system calls from here to exec.
        if (who.drop &&
            (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0)) {
            ::_exit(126);
        }
        if (die_with_parent) {
            // After setuid: changing credentials clears the parent-death signal.
            ::prctl(PR_SET_PDEATHSIG, SIGINT);
            if (::getppid() != parent) ::_exit(1);
        }
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in < 0 || out < 0) ::_exit(126);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

// The last lines of a log, on one line, for an error message.
std::string log_tail(const std::filesystem::path& log, std::size_t lines = 6) {
    std::ifstream in(log);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) all.push_back(line);
    }
    std::string out;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
        if (!out.empty()) out += " | ";
        out += all[i];
    }
    return out.empty() ? "(no output)" : out;
}

// Waits up to `limit` for `pid` to exit; true when it did (and was reaped).
bool wait_exit(pid_t pid, std::chrono::milliseconds limit, int* status = nullptr) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int st = 0;
        const pid_t r = ::waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            if (status) *status = st;
            return true;
        }
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(10ms);
    }
}

constexpr const char* database_name = "circles_test";

// A binary killed outright (SIGKILL, a CI timeout) takes its server down with it, but leaves
// its folder: remove such folders when they are an hour old and no server runs in them.
void remove_stale_folders(const std::filesystem::path& tmp) {
    std::error_code ec;
    const auto now = std::filesystem::file_time_type::clock::now();
    for (const auto& entry : std::filesystem::directory_iterator(tmp, ec)) {
        if (!entry.path().filename().string().starts_with("circles-pg-")) continue;
        const auto modified = std::filesystem::last_write_time(entry.path(), ec);
        if (ec || now - modified < 1h) continue;
        std::ifstream pid_file(entry.path() / "data" / "postmaster.pid");
        long pid = 0;
        if (pid_file >> pid && pid > 0 &&
            (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) {
            continue;  // a server still runs there
        }
        std::filesystem::remove_all(entry.path(), ec);
    }
}

std::mutex instance_mutex;
std::unique_ptr<postgres_server> instance;
std::optional<std::string> start_failure;  // a server that failed once is not retried

class postgres_environment : public ::testing::Environment {
  public:
    void TearDown() override { postgres_server::stop_if_started(); }
};
[[maybe_unused]] const auto* const environment =
    ::testing::AddGlobalTestEnvironment(new postgres_environment);

}  // namespace

postgres_server& postgres_server::get() {
    std::lock_guard lock(instance_mutex);
    if (instance) return *instance;
    if (start_failure) throw std::runtime_error(*start_failure);
    std::unique_ptr<postgres_server> server(new postgres_server());
    try {
        server->start();
    } catch (const std::exception& e) {
        start_failure = std::string("cannot start PostgreSQL for the tests: ") + e.what();
        throw std::runtime_error(*start_failure);
    }
    instance = std::move(server);
    return *instance;
}

void postgres_server::stop_if_started() {
    std::lock_guard lock(instance_mutex);
    instance.reset();
}

postgres_server::~postgres_server() { stop(); }

void postgres_server::start() {
    bin_ = find_bindir();
    if (bin_.empty()) {
        throw std::runtime_error(
            "initdb and postgres not found: install Debian's postgresql package, or set "
            "CIRCLES_PG_BINDIR");
    }
    const run_as who = server_user();
    const char* tmp_env = std::getenv("TMPDIR");
    const std::string tmp = tmp_env && *tmp_env ? tmp_env : "/tmp";
    remove_stale_folders(tmp);
    std::string pattern = tmp + "/circles-pg-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    base_ = pattern;
    data_ = base_ / "data";
    socket_dir_ = base_ / "sock";
    std::filesystem::create_directory(socket_dir_);
    if (who.drop) {
        for (const auto& p : {base_, socket_dir_}) {
            if (::chown(p.c_str(), who.uid, who.gid) != 0) {
                throw std::runtime_error("cannot give " + p.string() + " to nobody");
            }
        }
    }

    const auto initdb_log = base_ / "initdb.log";
    const pid_t initdb =
        spawn({(bin_ / "initdb").string(), "-D", data_.string(), "-A", "trust", "-U", "postgres",
               "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"},
              initdb_log, base_, who, true);
    int status = 0;
    if (!wait_exit(initdb, 120s, &status)) {
        ::kill(initdb, SIGKILL);
        wait_exit(initdb, 5s);
        throw std::runtime_error("initdb did not finish in 120 s");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("initdb failed" + std::string(who.drop ? " (as nobody)" : "") +
                                 ": " + log_tail(initdb_log));
    }

    const auto log = base_ / "postgres.log";
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ =
            circles::test::free_loopback_port();  // another process may take it first: then retry
        pid_ = spawn({(bin_ / "postgres").string(),
                      "-D",
                      data_.string(),
                      "-p",
                      std::to_string(port_),
                      "-k",
                      socket_dir_.string(),
                      "-h",
                      "127.0.0.1",
                      "-F",
                      "-c",
                      "full_page_writes=off",
                      "-c",
                      "wal_level=minimal",
                      "-c",
                      "max_wal_senders=0",
                      "-c",
                      "max_connections=200",
                      "-c",
                      "max_parallel_workers_per_gather=0",
                      "-c",
                      "huge_pages=off"},
                     log, base_, who, true);
        const auto until = std::chrono::steady_clock::now() + 60s;
        bool ready = false;
        bool exited = false;
        while (!ready && !exited && std::chrono::steady_clock::now() < until) {
            ready = PQping(admin_conninfo("postgres").c_str()) == PQPING_OK;
            if (!ready) {
                exited = wait_exit(pid_, 0ms);
                std::this_thread::sleep_for(20ms);
            }
        }
        if (ready) break;
        if (!exited) ::kill(pid_, SIGKILL);
        wait_exit(pid_, 5s);
        pid_ = -1;
        const std::string why = log_tail(log);
        if (why.find("already in use") == std::string::npos || attempt == 4) {
            throw std::runtime_error("postgres did not start: " + why);
        }
    }
    for (const char* database : {"postgres", database_name}) {
        PQfinish(admin_);
        admin_ = PQconnectdb(admin_conninfo(database).c_str());
        if (PQstatus(admin_) != CONNECTION_OK) {
            throw std::runtime_error(std::string("cannot connect to the test server: ") +
                                     PQerrorMessage(admin_));
        }
        PQsetNoticeProcessor(
            admin_, [](void*, const char*) {}, nullptr);  // "drop cascades"
        if (database == std::string_view("postgres")) {
            admin_exec(std::string("CREATE DATABASE ") + database_name);
        }
    }
}

void postgres_server::stop() noexcept {
    PQfinish(admin_);
    admin_ = nullptr;
    if (pid_ > 0) {
        ::kill(pid_, SIGINT);  // fast shutdown: ends sessions, checkpoints, exits
        if (!wait_exit(pid_, 20s)) {
            ::kill(pid_, SIGQUIT);
            if (!wait_exit(pid_, 5s)) {
                ::kill(pid_, SIGKILL);
                wait_exit(pid_, 5s);
            }
        }
        pid_ = -1;
    }
    if (!base_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(base_, ec);
        base_.clear();
    }
}

void postgres_server::admin_exec(const std::string& sql) {
    PGresult* r = PQexec(admin_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string why = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) throw std::runtime_error(sql + ": " + why);
}

std::string postgres_server::create_schema() {
    std::lock_guard lock(admin_mutex_);
    const std::string name = "test_" + std::to_string(++next_schema_);
    admin_exec("CREATE SCHEMA " + name);
    return name;
}

void postgres_server::drop_schema(const std::string& name) {
    std::lock_guard lock(admin_mutex_);
    admin_exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
}

std::string postgres_server::url(const std::string& schema) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database_name +
           "?options=-csearch_path%3D" + schema;
}

std::string postgres_server::conninfo(const std::string& schema) const {
    return admin_conninfo(database_name) + " options=-csearch_path=" + schema;
}

std::string postgres_server::admin_conninfo(const std::string& database) const {
    return "host=" + socket_dir_.string() + " port=" + std::to_string(port_) +
           " user=postgres dbname=" + database;
}

}  // namespace circles::storage::testing

#pragma once
// A real PostgreSQL server for the tests of one test binary, started on first use and stopped
// (its folder deleted) by a GoogleTest environment when the binary ends. A binary that runs no
// PostgreSQL test starts nothing.
//
// initdb (-A trust, --no-sync) into a private temporary folder, then `postgres` itself on a
// free loopback port with its unix socket in that folder and fsync off (-F). It runs as this
// process's child with a parent-death signal, rather than daemonised by pg_ctl, so a test
// binary killed by a timeout cannot leave a server behind (its folder is removed by a later
// run once it is an hour old). PostgreSQL refuses to run as root: as root, the folder is given
// to `nobody` and both programs run as nobody/nogroup (the tests connect as the `postgres`
// role whatever the operating-system user).
//
// Each test gets a fresh, empty schema of its own in one database, first on the search_path of
// every connection it makes (the URL says options=-csearch_path=...), dropped when it ends:
// a few milliseconds, where a fresh database costs a third of a second to create and drop.
#include <libpq-fe.h>
#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <string>

namespace circles::storage::testing {

class postgres_server {
  public:
    // The binary's server, starting it on the first call. Throws std::runtime_error (the same
    // message on every call) when it cannot start.
    static postgres_server& get();
    // Stops the server if one was started (the environment's TearDown).
    static void stop_if_started();

    // A fresh empty schema; its name.
    std::string create_schema();
    void drop_schema(const std::string& name);

    // postgresql://postgres@127.0.0.1:PORT/circles_test?options=-csearch_path%3DSCHEMA: what a
    // store is given (TCP, like production).
    std::string url(const std::string& schema) const;
    // key=value over the unix socket, for raw access from the tests ("" schema: the default).
    std::string conninfo(const std::string& schema) const;
    const std::filesystem::path& data_dir() const noexcept { return data_; }

    ~postgres_server();

  private:
    postgres_server() = default;
    void start();
    void stop() noexcept;
    void admin_exec(const std::string& sql);  // throws std::runtime_error
    std::string admin_conninfo(const std::string& database) const;

    std::filesystem::path bin_;
    std::filesystem::path base_;  // the temporary folder: data/, sock/, logs
    std::filesystem::path data_;
    std::filesystem::path socket_dir_;
    int port_ = 0;
    pid_t pid_ = -1;
    std::mutex admin_mutex_;
    PGconn* admin_ = nullptr;  // to the test database
    unsigned next_schema_ = 0;
};

}  // namespace circles::storage::testing

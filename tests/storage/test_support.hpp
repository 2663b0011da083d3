#pragma once
// Helpers shared by the storage tests: a private temporary folder, a fixture that runs a test
// against each store backend (SQLite, and PostgreSQL on a real server this binary starts), a
// store opened with one school / user / room, raw access to the database behind the store's
// back, and a way to hold the writer thread so several appends land in one batch.
//
// Store tests are value-parameterised over `backend` (TEST_P on a store_test subclass,
// instantiated with all_backends()), so the two stores answer the same tests and cannot drift.
// Their names end in /Sqlite or /Postgres; CMake runs the /Postgres half in one process.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "circles/storage/store.hpp"

namespace circles::storage::testing {

// Waits up to 30 s for `done`, for what the store's own threads do on their own time.
template <class Pred>
bool eventually(Pred done) {
    using namespace std::chrono_literals;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// mkdtemp under $TMPDIR (or /tmp); removed with everything in it at the end of the test.
class temp_dir {
  public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

store_options options_in(const std::filesystem::path& dir);

// A store with one school, one student ("ana") and `room_count` rooms she belongs to.
struct seeded_store {
    std::unique_ptr<store> db;
    school sch;
    user student;
    std::vector<room> rooms;
};
seeded_store seed(std::unique_ptr<store> db, int room_count = 1);

append_request make_request(room_id room, user_id sender, std::string client_msg_id,
                            std::string text);

// Appends and waits for the callback.
result<append_result> append_and_wait(store& s, append_request req);

// Appends a message whose callback blocks the writer thread until release() (or the
// destructor), so appends queued meanwhile are committed together in the next batch.
class writer_hold {
  public:
    writer_hold(store& s, room_id room, user_id sender);
    ~writer_hold();
    void release();

  private:
    std::promise<void> release_;
    bool released_ = false;
};

// The whole content of a file ("" when it does not exist).
std::string read_file_bytes(const std::filesystem::path& file);

// --- backends ------------------------------------------------------------------------------

enum class backend { sqlite, postgres };

// Both backends, for INSTANTIATE_TEST_SUITE_P(Backends, Suite, all_backends(), backend_name).
inline auto all_backends() { return ::testing::Values(backend::sqlite, backend::postgres); }
std::string backend_name(const ::testing::TestParamInfo<backend>& info);

// The database behind a store, reached without it. SQL that both dialects accept is written
// once; blob_literal() spells a byte string in the backend's syntax. Safe to use from a store
// callback (the writer thread) and the test thread alike.
class raw_db {
  public:
    virtual ~raw_db() = default;
    // The first column of the first row as an integer (-1 when there is no row).
    virtual long long scalar(const std::string& sql) = 0;
    virtual std::string text(const std::string& sql) = 0;
    virtual std::vector<unsigned char> blob(const std::string& sql) = 0;
    virtual void exec(const std::string& sql) = 0;  // throws std::runtime_error
    virtual std::string blob_literal(std::span<const unsigned char> bytes) const = 0;
    virtual bool has_table(const std::string& name) = 0;
    // Every byte the database keeps on disk for this store (files, WAL), for looking for
    // plaintext that should not be there.
    virtual std::string stored_bytes() = 0;
};

// A test against one backend: a temporary folder for data_dir (master.key, circles.db) and,
// for PostgreSQL, a fresh schema of its own on the binary's one server.
class backend_fixture : public ::testing::Test {
  protected:
    void set_up(backend b);
    void TearDown() override;

    backend kind() const noexcept { return kind_; }
    const std::filesystem::path& dir() const noexcept { return tmp_->path(); }
    store_options options() const { return options_in(dir()); }
    // What open_store takes: "" for SQLite, postgresql://... for the test's database.
    const std::string& url() const noexcept { return url_; }
    std::unique_ptr<store> open(const store_options& o) const;
    std::unique_ptr<store> open() const { return open(options()); }
    seeded_store open_seeded(int room_count = 1) const { return seed(open(), room_count); }
    seeded_store open_seeded(const store_options& o, int room_count = 1) const {
        return seed(open(o), room_count);
    }
    raw_db& raw();  // opened on first use

  private:
    backend kind_ = backend::sqlite;
    std::unique_ptr<temp_dir> tmp_;
    std::string url_;
    std::string schema_;  // PostgreSQL only
    std::unique_ptr<raw_db> raw_;
};

class store_test : public backend_fixture, public ::testing::WithParamInterface<backend> {
  protected:
    void SetUp() override { set_up(GetParam()); }
};

class postgres_test : public backend_fixture {
  protected:
    void SetUp() override { set_up(backend::postgres); }
};

}  // namespace circles::storage::testing

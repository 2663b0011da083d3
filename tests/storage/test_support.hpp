#pragma once
// Helpers shared by the storage tests: a private temporary folder, a store opened in it with
// one school / user / room, a raw SQLite connection to look behind the store's back, and a
// way to hold the writer thread so several appends land in one batch.
#include <sqlite3.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "circles/storage/store.hpp"

namespace circles::storage::testing {

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
seeded_store open_seeded(const store_options& options, int room_count = 1);

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

// A plain SQLite connection to circles.db, independent of the store.
class raw_db {
  public:
    explicit raw_db(const std::filesystem::path& file);
    ~raw_db();
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;
    sqlite3* get() const noexcept { return db_; }
    // The first column of the first row as an integer (-1 when there is no row).
    long long scalar(const std::string& sql);
    void exec(const std::string& sql);

  private:
    sqlite3* db_ = nullptr;
};

// The whole content of a file ("" when it does not exist).
std::string read_file_bytes(const std::filesystem::path& file);

}  // namespace circles::storage::testing

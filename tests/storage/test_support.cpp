#include "test_support.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace circles::storage::testing {

temp_dir::temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/circles-storage-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

store_options options_in(const std::filesystem::path& dir) {
    store_options o;
    o.data_dir = dir / "data";
    o.read_connections = 2;
    return o;
}

seeded_store open_seeded(const store_options& options, int room_count) {
    seeded_store s;
    s.db = open_sqlite_store(options);
    s.sch = s.db->create_school("maple-grove", "Maple Grove High").value();
    s.student = s.db->create_user(s.sch.id, "ana", "Blue Heron", role::student, "pw-ana-1").value();
    for (int i = 0; i < room_count; ++i) {
        auto r = s.db->create_room(s.sch.id, "circle " + std::to_string(i), room_kind::peer_network)
                     .value();
        s.db->add_member(r.id, s.student.id).value();
        s.rooms.push_back(r);
    }
    return s;
}

append_request make_request(room_id room, user_id sender, std::string client_msg_id,
                            std::string text) {
    append_request r;
    r.room = room;
    r.sender = sender;
    r.client_msg_id = std::move(client_msg_id);
    r.text = std::move(text);
    return r;
}

result<append_result> append_and_wait(store& s, append_request req) {
    std::promise<result<append_result>> p;
    auto f = p.get_future();
    s.append(std::move(req), [&p](result<append_result> r) { p.set_value(std::move(r)); });
    return f.get();
}

writer_hold::writer_hold(store& s, room_id room, user_id sender) {
    // Shared so the promise outlives set_value() even after this constructor returns.
    auto entered = std::make_shared<std::promise<void>>();
    auto entered_f = entered->get_future();
    auto release_f = release_.get_future().share();
    s.append(make_request(room, sender, "writer-hold", "hold"),
             [entered, release_f](result<append_result> r) {
                 EXPECT_TRUE(r.has_value());
                 entered->set_value();
                 release_f.wait();
             });
    entered_f.wait();  // the writer thread is now inside our callback
}

writer_hold::~writer_hold() { release(); }

void writer_hold::release() {
    if (!released_) {
        released_ = true;
        release_.set_value();
    }
}

raw_db::raw_db(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        throw std::runtime_error("cannot open " + file.string());
    }
    sqlite3_busy_timeout(db_, 5000);
}

raw_db::~raw_db() { sqlite3_close_v2(db_); }

long long raw_db::scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db_));
    }
    long long v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

void raw_db::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string what = err ? err : "?";
        sqlite3_free(err);
        throw std::runtime_error("exec: " + what);
    }
}

std::string read_file_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace circles::storage::testing

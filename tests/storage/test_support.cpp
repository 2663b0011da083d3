#include "test_support.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "postgres_server.hpp"

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

seeded_store seed(std::unique_ptr<store> db, int room_count) {
    seeded_store s;
    s.db = std::move(db);
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

std::string read_file_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string backend_name(const ::testing::TestParamInfo<backend>& info) {
    return info.param == backend::sqlite ? "Sqlite" : "Postgres";
}

namespace {

std::string hex(std::span<const unsigned char> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

// circles.db through its own SQLite connection.
class sqlite_raw_db final : public raw_db {
  public:
    explicit sqlite_raw_db(std::filesystem::path file) : file_(std::move(file)) {
        if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                            nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + file_.string());
        }
        sqlite3_busy_timeout(db_, 5000);
    }
    ~sqlite_raw_db() override { sqlite3_close_v2(db_); }

    long long scalar(const std::string& sql) override {
        long long v = -1;
        each_first_row(sql, [&](sqlite3_stmt* s) { v = sqlite3_column_int64(s, 0); });
        return v;
    }
    std::string text(const std::string& sql) override {
        std::string v;
        each_first_row(sql, [&](sqlite3_stmt* s) {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
            if (p) v.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
        });
        return v;
    }
    std::vector<unsigned char> blob(const std::string& sql) override {
        std::vector<unsigned char> v;
        each_first_row(sql, [&](sqlite3_stmt* s) {
            auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, 0));
            if (p) v.assign(p, p + sqlite3_column_bytes(s, 0));
        });
        return v;
    }
    void exec(const std::string& sql) override {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string what = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error("exec: " + what);
        }
    }
    std::string blob_literal(std::span<const unsigned char> bytes) const override {
        return "x'" + hex(bytes) + "'";
    }
    bool has_table(const std::string& name) override {
        return scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" +
                      name + "'") == 1;
    }
    std::string stored_bytes() override {
        return read_file_bytes(file_) + read_file_bytes(file_.string() + "-wal");
    }

  private:
    template <class F>
    void each_first_row(const std::string& sql, F&& f) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db_));
        }
        if (sqlite3_step(stmt) == SQLITE_ROW) f(stmt);
        sqlite3_finalize(stmt);
    }

    std::filesystem::path file_;
    sqlite3* db_ = nullptr;
};

// The test's database through its own libpq connection (over the unix socket).
class postgres_raw_db final : public raw_db {
  public:
    explicit postgres_raw_db(const std::string& schema) {
        db_ = PQconnectdb(postgres_server::get().conninfo(schema).c_str());
        if (PQstatus(db_) != CONNECTION_OK) {
            std::string why = PQerrorMessage(db_);
            PQfinish(db_);
            throw std::runtime_error("cannot connect: " + why);
        }
        PQsetNoticeProcessor(
            db_, [](void*, const char*) {}, nullptr);
    }
    ~postgres_raw_db() override { PQfinish(db_); }

    long long scalar(const std::string& sql) override {
        const auto v = first_value(sql);
        if (!v) return -1;
        if (*v == "t" || *v == "f") return *v == "t";
        return std::stoll(*v);
    }
    std::string text(const std::string& sql) override { return first_value(sql).value_or(""); }
    std::vector<unsigned char> blob(const std::string& sql) override {
        const std::string v = first_value(sql).value_or("");
        std::vector<unsigned char> out;
        for (std::size_t i = 2; i + 1 < v.size(); i += 2) {  // "\x" then hex digits
            out.push_back(static_cast<unsigned char>(std::stoi(v.substr(i, 2), nullptr, 16)));
        }
        return out;
    }
    void exec(const std::string& sql) override {
        std::lock_guard lock(mutex_);
        PGresult* r = PQexec(db_, sql.c_str());
        const auto st = PQresultStatus(r);
        std::string why = PQresultErrorMessage(r);
        PQclear(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            throw std::runtime_error("exec: " + why);
        }
    }
    std::string blob_literal(std::span<const unsigned char> bytes) const override {
        return "'\\x" + hex(bytes) + "'::bytea";
    }
    bool has_table(const std::string& name) override {
        return scalar("SELECT to_regclass('" + name + "') IS NOT NULL") == 1;  // search_path
    }
    std::string stored_bytes() override {
        exec("CHECKPOINT");  // every page on disk, not only in shared buffers
        // The test's schema lives in the one test database, beside earlier tests' schemas.
        const auto oid = text("SELECT oid FROM pg_database WHERE datname = current_database()");
        const auto& data = postgres_server::get().data_dir();
        std::string all;
        for (const auto& folder : {data / "base" / oid, data / "pg_wal"}) {
            for (const auto& f : std::filesystem::recursive_directory_iterator(folder)) {
                if (f.is_regular_file()) all += read_file_bytes(f.path());
            }
        }
        return all;
    }

  private:
    std::optional<std::string> first_value(const std::string& sql) {
        std::lock_guard lock(mutex_);
        PGresult* r = PQexec(db_, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            std::string why = PQresultErrorMessage(r);
            PQclear(r);
            throw std::runtime_error("query: " + why);
        }
        std::optional<std::string> v;
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
            v.emplace(PQgetvalue(r, 0, 0), static_cast<std::size_t>(PQgetlength(r, 0, 0)));
        }
        PQclear(r);
        return v;
    }

    std::mutex mutex_;
    PGconn* db_ = nullptr;
};

}  // namespace

void backend_fixture::set_up(backend b) {
    kind_ = b;
    tmp_ = std::make_unique<temp_dir>();
    if (b != backend::postgres) return;
    if (::geteuid() == 0 && ::getpwnam("nobody") == nullptr) {
        GTEST_SKIP() << "PostgreSQL refuses to run as root, and there is no user `nobody` to "
                        "run the test server as";
    }
    try {
        auto& server = postgres_server::get();
        schema_ = server.create_schema();
        url_ = server.url(schema_);
    } catch (const std::exception& e) {
        GTEST_FAIL() << e.what();
    }
}

void backend_fixture::TearDown() {
    raw_.reset();
    if (!schema_.empty()) {
        postgres_server::get().drop_schema(schema_);
        schema_.clear();
    }
}

std::unique_ptr<store> backend_fixture::open(const store_options& o) const {
    return open_store(url_, o);
}

raw_db& backend_fixture::raw() {
    if (!raw_) {
        if (kind_ == backend::sqlite) {
            raw_ = std::make_unique<sqlite_raw_db>(options().data_dir / "circles.db");
        } else {
            raw_ = std::make_unique<postgres_raw_db>(schema_);
        }
    }
    return *raw_;
}

}  // namespace circles::storage::testing

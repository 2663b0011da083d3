// open_store: which store a URL names, and what it says about one it does not know.
#include <gtest/gtest.h>

#include <filesystem>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::options_in;
using testing::temp_dir;

TEST(StoreUrl, EmptyUrlIsSqliteInTheDataFolder) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    open_store("", options)->create_school("a", "A").value();
    EXPECT_TRUE(std::filesystem::exists(options.data_dir / "circles.db"));
    EXPECT_TRUE(open_sqlite_store(options)->find_school("a").has_value());
}

TEST(StoreUrl, SqlitePathOpensThatFile) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    const auto file = tmp.path() / "elsewhere.db";
    open_store("sqlite:" + file.string(), options)->create_school("a", "A").value();
    EXPECT_TRUE(std::filesystem::exists(file));
    EXPECT_FALSE(std::filesystem::exists(options.data_dir / "circles.db"));
    EXPECT_TRUE(std::filesystem::exists(options.data_dir / "master.key"));
    // sqlite:///absolute/path is the same file.
    EXPECT_TRUE(open_store("sqlite://" + file.string(), options)->find_school("a").has_value());
}

TEST(StoreUrl, UnknownSchemeIsRefusedWithoutEchoingTheRest) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    for (const char* url : {"mysql://root:hunter2@db/circles", "host=db password=hunter2:x"}) {
        try {
            open_store(url, options);
            ADD_FAILURE() << "opened " << url;
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
            EXPECT_NE(what.find("postgresql://"), std::string::npos) << what;
        }
    }
}

}  // namespace
}  // namespace circles::storage

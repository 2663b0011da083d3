#include "circles/storage/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <set>

#include "circles/storage/errc.hpp"
#include "circles/storage/types.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::temp_dir;

const std::string message(200, 'm');  // about one chat message

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
}

TEST(Keyring, SealOpenRoundTrip) {
    secret_key key;
    const auto ad = message_ad(7, 42, 3);
    sealed box = seal(key, "I had a hard day", ad);
    EXPECT_EQ(box.nonce.size(), 24u);
    EXPECT_EQ(box.ciphertext.size(), std::string("I had a hard day").size() + 16);
    auto text = open(key, box, ad);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(*text, "I had a hard day");

    auto empty = open(key, seal(key, "", ad), ad);
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(*empty, "");
}

TEST(Keyring, EverySealUsesAFreshNonce) {
    secret_key key;
    sealed a = seal(key, message, "ad");
    sealed b = seal(key, message, "ad");
    EXPECT_NE(a.nonce, b.nonce);
    EXPECT_NE(a.ciphertext, b.ciphertext);
}

TEST(Keyring, FlippedCiphertextByteFailsToOpen) {
    secret_key key;
    const auto ad = message_ad(1, 1, 1);
    sealed box = seal(key, message, ad);
    for (std::size_t i : {std::size_t{0}, box.ciphertext.size() / 2, box.ciphertext.size() - 1}) {
        sealed bad = box;
        bad.ciphertext[i] ^= 0x01;
        auto r = open(key, bad, ad);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), make_error_code(errc::crypto_failure));
    }
    sealed bad_nonce = box;
    bad_nonce.nonce[0] ^= 0x80;
    EXPECT_EQ(open(key, bad_nonce, ad).error(), make_error_code(errc::crypto_failure));
    sealed truncated = box;
    truncated.ciphertext.resize(10);
    EXPECT_EQ(open(key, truncated, ad).error(), make_error_code(errc::crypto_failure));
}

TEST(Keyring, WrongAssociatedDataFailsToOpen) {
    secret_key key;
    sealed box = seal(key, message, message_ad(1, 5, 1));
    EXPECT_EQ(open(key, box, message_ad(1, 6, 1)).error(), make_error_code(errc::crypto_failure));
    EXPECT_EQ(open(key, box, message_ad(2, 5, 1)).error(), make_error_code(errc::crypto_failure));
    EXPECT_EQ(open(key, box, message_ad(1, 5, 2)).error(), make_error_code(errc::crypto_failure));
}

TEST(Keyring, WrongKeyFailsToOpen) {
    secret_key key;
    secret_key other;
    sealed box = seal(key, message, "ad");
    EXPECT_EQ(open(other, box, "ad").error(), make_error_code(errc::crypto_failure));
}

TEST(Keyring, WrappedKeyUnwrapsOnlyUnderItsKeyId) {
    secret_key master;
    secret_key data;
    sealed wrapped = wrap_key(master, data, 9);
    auto back = unwrap_key(master, wrapped, 9);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(0, std::memcmp((*back)->data(), data.data(), secret_key::size));
    EXPECT_EQ(unwrap_key(master, wrapped, 10).error(), make_error_code(errc::crypto_failure));
    secret_key other_master;
    EXPECT_EQ(unwrap_key(other_master, wrapped, 9).error(), make_error_code(errc::crypto_failure));
}

TEST(Keyring, MasterKeyFileIsCreatedPrivateAndReused) {
    temp_dir tmp;
    const auto dir = tmp.path() / "fresh";
    const auto file = dir / "master.key";
    auto first = load_or_create_master_key(file);
    EXPECT_EQ(mode_of(file), 0600u);
    EXPECT_EQ(mode_of(dir), 0700u);
    EXPECT_EQ(std::filesystem::file_size(file), secret_key::size);

    auto second = load_or_create_master_key(file);
    EXPECT_EQ(0, std::memcmp(first->data(), second->data(), secret_key::size));
    // Something sealed under the first load opens under the second.
    EXPECT_EQ(open(*second, seal(*first, "x", "ad"), "ad").value(), "x");
}

TEST(Keyring, GroupReadableMasterKeyFileIsRefused) {
    temp_dir tmp;
    const auto file = tmp.path() / "master.key";
    load_or_create_master_key(file);
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
    try {
        load_or_create_master_key(file);
        FAIL() << "a 0644 key file was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("0644"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
    }
}

TEST(Keyring, MasterKeyFileOfWrongSizeIsRefused) {
    temp_dir tmp;
    const auto file = tmp.path() / "master.key";
    {
        std::ofstream out(file, std::ios::binary);
        out << "too short";
    }
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    EXPECT_THROW(load_or_create_master_key(file), std::runtime_error);
}

TEST(StorageTypes, RoleNamesRoundTrip) {
    for (role r : {role::student, role::facilitator, role::counselor, role::admin}) {
        EXPECT_EQ(parse_role(to_string(r)), r);
    }
    EXPECT_EQ(parse_role("Student"), std::nullopt);
    EXPECT_EQ(parse_role(""), std::nullopt);
}

TEST(StorageErrc, EveryCodeHasItsOwnMessage) {
    std::set<std::string> seen;
    for (int i = 0; i <= static_cast<int>(errc::schema_too_new); ++i) {
        auto ec = make_error_code(static_cast<errc>(i));
        EXPECT_EQ(&ec.category(), &storage_category());
        EXPECT_TRUE(seen.insert(ec.message()).second) << ec.message();
    }
    boost::system::error_code ec = errc::overloaded;  // converts implicitly
    EXPECT_EQ(ec, make_error_code(errc::overloaded));
}

}  // namespace
}  // namespace circles::storage

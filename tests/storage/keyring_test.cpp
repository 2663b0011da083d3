#include "circles/storage/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

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

// Nonces come from the system's generator a block at a time (a syscall per block, not per
// message): across blocks and threads, none repeats.
TEST(Keyring, NoncesNeverRepeatAcrossBlocksAndThreads) {
    secret_key key;
    constexpr int per_thread = 2000;  // several blocks of nonces each
    std::vector<std::vector<std::vector<unsigned char>>> drawn(3);
    std::vector<std::thread> threads;
    for (auto& mine : drawn) {
        threads.emplace_back([&key, &mine] {
            for (int i = 0; i < per_thread; ++i) mine.push_back(seal(key, "x", "ad").nonce);
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::vector<unsigned char>> seen;
    for (const auto& mine : drawn) {
        for (const auto& nonce : mine) {
            EXPECT_EQ(nonce.size(), 24u);
            EXPECT_TRUE(seen.insert(nonce).second) << "a nonce came twice";
        }
    }
    EXPECT_EQ(seen.size(), 3u * per_thread);
}

// A forked child must not seal with the nonces its parent has yet to use (same key, same
// nonce: the cipher's stream and authenticator repeat).
TEST(Keyring, AForkedChildDrawsNoncesOfItsOwn) {
    secret_key key;
    (void)seal(key, "x", "ad");  // this thread's block is drawn and partly used
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        const auto nonce = seal(key, "x", "ad").nonce;
        const bool sent =
            ::write(fds[1], nonce.data(), nonce.size()) == static_cast<ssize_t>(nonce.size());
        ::_exit(sent ? 0 : 1);
    }
    ::close(fds[1]);
    // The parent's next nonces, a whole block's worth wherever its block stood at the fork.
    std::set<std::vector<unsigned char>> parents;
    for (int i = 0; i < 10; ++i) parents.insert(seal(key, "x", "ad").nonce);
    std::vector<unsigned char> childs(24);
    std::size_t got = 0;
    while (got < childs.size()) {
        const ssize_t r = ::read(fds[0], childs.data() + got, childs.size() - got);
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(got, childs.size());
    EXPECT_EQ(parents.count(childs), 0u) << "the child sealed with one of its parent's nonces";
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

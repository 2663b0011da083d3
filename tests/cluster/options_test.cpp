// Redis URLs and options: every bad value is a typed error that names what is wrong.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

#include "circles/cluster/redis_bus.hpp"
#include "circles/cluster/redis_options.hpp"
#include "circles/cluster/redis_presence.hpp"

namespace circles::cluster {
namespace {

TEST(RedisUrl, HostPortAndDatabase) {
    auto ep = parse_redis_url("redis://cache.internal:6380/2");
    ASSERT_TRUE(ep) << ep.error().message();
    EXPECT_EQ(ep->host, "cache.internal");
    EXPECT_EQ(ep->port, 6380);
    EXPECT_EQ(ep->database, 2);
    EXPECT_TRUE(ep->password.empty());
}

TEST(RedisUrl, DefaultsArePort6379AndDatabase0) {
    for (const char* url : {"redis://10.0.0.5", "redis://10.0.0.5/", "REDIS://10.0.0.5"}) {
        auto ep = parse_redis_url(url);
        ASSERT_TRUE(ep) << url;
        EXPECT_EQ(ep->host, "10.0.0.5");
        EXPECT_EQ(ep->port, 6379);
        EXPECT_EQ(ep->database, 0);
    }
}

TEST(RedisUrl, BracketedIpv6) {
    auto ep = parse_redis_url("redis://[::1]:7000/1");
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->host, "::1");
    EXPECT_EQ(ep->port, 7000);
    EXPECT_EQ(ep->redacted(), "redis://[::1]:7000/1");
}

TEST(RedisUrl, CredentialsAreParsedAndNeverShown) {
    auto ep = parse_redis_url("redis://circles:s3cret@redis.local:6379/0");
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->username, "circles");
    EXPECT_EQ(ep->password, "s3cret");
    EXPECT_EQ(ep->redacted(), "redis://redis.local:6379/0");

    auto only_password = parse_redis_url("redis://:s3cret@redis.local");
    ASSERT_TRUE(only_password);
    EXPECT_TRUE(only_password->username.empty());
    EXPECT_EQ(only_password->password, "s3cret");
}

TEST(RedisUrl, BadUrlsNameTheProblem) {
    const struct {
        const char* url;
        errc expected;
    } cases[] = {
        {"http://localhost:6379", errc::bad_scheme},
        {"rediss://localhost:6379", errc::bad_scheme},
        {"localhost:6379", errc::bad_scheme},
        {"", errc::bad_scheme},
        {"redis://", errc::missing_host},
        {"redis://:6379", errc::missing_host},
        {"redis://[]:6379", errc::missing_host},
        {"redis://localhost:0", errc::bad_port},
        {"redis://localhost:65536", errc::bad_port},
        {"redis://localhost:63x9", errc::bad_port},
        {"redis://localhost:", errc::bad_port},
        {"redis://localhost:-1", errc::bad_port},
        {"redis://localhost/x", errc::bad_database},
        {"redis://localhost/1/2", errc::bad_database},
        {"redis://localhost/100000", errc::bad_database},
        {"redis://localhost/?db=1", errc::bad_url},
        {"redis://local host", errc::bad_url},
        {"redis://::1:6379", errc::bad_url},
        {"redis://[::1", errc::bad_url},
        {"redis://user@localhost", errc::bad_url},
        {"redis://a:b@c@localhost", errc::bad_url},
        {"redis://:p%40ss@localhost", errc::bad_url},
    };
    for (const auto& c : cases) {
        auto ep = parse_redis_url(c.url);
        ASSERT_FALSE(ep) << c.url;
        EXPECT_EQ(ep.error(), make_error_code(c.expected)) << c.url << ": " << ep.error().message();
        EXPECT_EQ(ep.error().category().name(), std::string("circles.cluster"));
    }
}

redis_options good_options() {
    redis_options o;
    o.url = "redis://127.0.0.1:6379/0";
    o.node_id = "node-1";
    return o;
}

TEST(RedisOptions, EveryFieldIsChecked) {
    EXPECT_TRUE(validate(good_options()));

    auto o = good_options();
    o.node_id = "";
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_node_id));
    o.node_id = "node|1";
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_node_id));
    o.node_id = std::string(65, 'n');
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_node_id));

    o = good_options();
    o.prefix = "a b";
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_prefix));

    o = good_options();
    o.presence_ttl = std::chrono::milliseconds(100);
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_ttl));

    o = good_options();
    o.backoff = {std::chrono::milliseconds(500), std::chrono::milliseconds(100)};
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_backoff));
    o.backoff = {std::chrono::milliseconds(0), std::chrono::milliseconds(100)};
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_backoff));

    o = good_options();
    o.max_pending_publishes = 0;
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_limit));
    o = good_options();
    o.command_timeout = std::chrono::milliseconds(0);
    EXPECT_EQ(validate(o).error(), make_error_code(errc::bad_limit));
}

TEST(RedisOptions, FactoriesRefuseBadOptionsWithTheTypedError) {
    boost::asio::io_context ioc;
    auto o = good_options();
    o.url = "redis://localhost:99999";
    try {
        make_redis_bus(ioc, o);
        FAIL() << "a bad port was accepted";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), make_error_code(errc::bad_port));
        EXPECT_NE(std::string(e.what()).find("1 to 65535"), std::string::npos) << e.what();
    }
    o = good_options();
    o.node_id = "";
    try {
        make_redis_presence(ioc, o);
        FAIL() << "an empty node id was accepted";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), make_error_code(errc::bad_node_id));
    }
}

}  // namespace
}  // namespace circles::cluster

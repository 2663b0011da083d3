// load_config, apply_environment, set_listen and finish_defaults: the file, then the
// environment, then the defaults, and one clear line naming the file and key on a mistake.
#include "circles/gateway/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace circles::gateway {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* environment_names[] = {
    "CIRCLES_LISTEN",   "CIRCLES_DATA_DIR",
    "CIRCLES_WEB_ROOT", "CIRCLES_ALLOWED_ORIGINS",
    "CIRCLES_NODE_ID",  "CIRCLES_THREADS",
    "CIRCLES_STORE",    "CIRCLES_BUS",
    "CIRCLES_PRESENCE", "CIRCLES_FACILITATED_SESSIONS",
};

// A fresh folder per test and an environment without CIRCLES_* before and after it.
class GatewayConfig : public ::testing::Test {
  protected:
    void SetUp() override {
        clear_environment();
        std::string tmpl = (fs::temp_directory_path() / "circles-config-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }

    void TearDown() override {
        clear_environment();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    static void clear_environment() {
        for (const char* name : environment_names) ::unsetenv(name);
    }

    fs::path write(const std::string& toml, const std::string& name = "circles.toml") {
        const fs::path file = dir_ / name;
        std::ofstream out(file);
        out << toml;
        return file;
    }

    // The message of the std::runtime_error load_config throws, or a failure.
    std::string load_error(const fs::path& file) {
        try {
            load_config(file);
        } catch (const std::runtime_error& e) {
            return e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "threw a non-runtime_error: " << e.what();
            return e.what();
        }
        ADD_FAILURE() << "load_config accepted " << file;
        return {};
    }

    fs::path dir_;
};

TEST_F(GatewayConfig, EmptyPathGivesDefaults) {
    const config c = load_config({});
    EXPECT_EQ(c.listen_host, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_EQ(c.data_dir, fs::path(".data"));
    EXPECT_TRUE(c.allowed_origins.empty());
    EXPECT_EQ(c.node_id, "node1");
    EXPECT_EQ(c.threads, 0u);
    EXPECT_FALSE(c.secure_cookies);
    EXPECT_EQ(c.lim.max_frame_bytes, 64u * 1024);
}

TEST_F(GatewayConfig, ReadsEveryTopLevelKey) {
    const auto file = write(R"(
listen = "0.0.0.0:9090"
data_dir = "/var/lib/circles"
web_root = "/usr/share/circles/web"
allowed_origins = ["https://chat.example.org", "https://other.example.org"]
node_id = "node7"
threads = 4
secure_cookies = true
)");
    const config c = load_config(file);
    EXPECT_EQ(c.listen_host, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 9090);
    EXPECT_EQ(c.data_dir, fs::path("/var/lib/circles"));
    EXPECT_EQ(c.web_root, fs::path("/usr/share/circles/web"));
    ASSERT_EQ(c.allowed_origins.size(), 2u);
    EXPECT_EQ(c.allowed_origins[0], "https://chat.example.org");
    EXPECT_EQ(c.allowed_origins[1], "https://other.example.org");
    EXPECT_EQ(c.node_id, "node7");
    EXPECT_EQ(c.threads, 4u);
    EXPECT_TRUE(c.secure_cookies);
}

TEST_F(GatewayConfig, ReadsLimits) {
    const auto file = write(R"(
[limits]
max_frame_bytes = 32768
idle_timeout_seconds = 90
session_ttl_seconds = 3600
queue_limit_frames = 64
queue_limit_bytes = 1048576
frame_rate_per_second = 10.5
frame_burst = 20.0
send_rate_per_second = 1.5
send_burst = 4.0
replay_limit_messages = 20
)");
    const config c = load_config(file);
    EXPECT_EQ(c.lim.replay_limit_messages, 20u);
    EXPECT_EQ(c.lim.max_frame_bytes, 32768u);
    EXPECT_EQ(c.lim.idle_timeout, 90s);
    EXPECT_EQ(c.lim.session_ttl, 3600s);
    EXPECT_EQ(c.lim.queue_limit_frames, 64u);
    EXPECT_EQ(c.lim.queue_limit_bytes, 1048576u);
    EXPECT_DOUBLE_EQ(c.lim.frame_rate_per_second, 10.5);
    EXPECT_DOUBLE_EQ(c.lim.frame_burst, 20.0);
    EXPECT_DOUBLE_EQ(c.lim.send_rate_per_second, 1.5);
    EXPECT_DOUBLE_EQ(c.lim.send_burst, 4.0);
    // Untouched limits keep their defaults.
    EXPECT_EQ(c.lim.handshake_timeout, 30s);
    EXPECT_EQ(c.lim.max_protocol_errors, 20u);
}

TEST_F(GatewayConfig, ScaleOutKeysAndTheirEnvironment) {
    EXPECT_EQ(load_config({}).bus, "local");
    EXPECT_TRUE(load_config({}).store.empty()) << "SQLite in data_dir by default";
    const auto file = write(
        "store = \"postgresql://circles@db/circles\"\nbus = \"redis://r:6379/0\"\n"
        "presence = \"redis://r:6379/0\"\npresence_ttl_ms = 5000\n");
    const config c = load_config(file);
    EXPECT_EQ(c.store, "postgresql://circles@db/circles");
    EXPECT_EQ(c.bus, "redis://r:6379/0");
    EXPECT_EQ(c.presence, "redis://r:6379/0");
    EXPECT_EQ(c.presence_ttl, 5000ms);
    ::setenv("CIRCLES_BUS", "local", 1);
    ::setenv("CIRCLES_PRESENCE", "local", 1);
    ::setenv("CIRCLES_STORE", "sqlite:/srv/circles.db", 1);
    const config e = load_config(file);
    EXPECT_EQ(e.bus, "local");
    EXPECT_EQ(e.presence, "local");
    EXPECT_EQ(e.store, "sqlite:/srv/circles.db");
}

TEST_F(GatewayConfig, FacilitatedSessionsAreOnUnlessTurnedOff) {
    EXPECT_TRUE(load_config({}).facilitated_sessions);
    const auto file = write("facilitated_sessions = false\n");
    EXPECT_FALSE(load_config(file).facilitated_sessions);
    ::setenv("CIRCLES_FACILITATED_SESSIONS", "true", 1);
    EXPECT_TRUE(load_config(file).facilitated_sessions);
    ::setenv("CIRCLES_FACILITATED_SESSIONS", "0", 1);
    EXPECT_FALSE(load_config({}).facilitated_sessions);
    ::setenv("CIRCLES_FACILITATED_SESSIONS", "maybe", 1);
    EXPECT_THROW(load_config({}), std::runtime_error);
    ::unsetenv("CIRCLES_FACILITATED_SESSIONS");
    EXPECT_THROW(load_config(write("facilitated_sessions = \"no\"\n", "bad.toml")),
                 std::runtime_error);
}

TEST_F(GatewayConfig, RefusesAMixedOrUnknownBus) {
    EXPECT_NE(load_error(write("bus = \"redis://r:6379/0\"\n")).find("both"), std::string::npos);
    EXPECT_NE(load_error(write("bus = \"kafka://k\"\npresence = \"kafka://k\"\n")).find("'bus'"),
              std::string::npos);
    EXPECT_NE(load_error(write("presence_ttl_ms = 10\n")).find("presence_ttl_ms"),
              std::string::npos);
}

TEST_F(GatewayConfig, IntegerRatesAreAccepted) {
    const auto file = write("[limits]\nsend_rate_per_second = 3\nsend_burst = 6\n");
    const config c = load_config(file);
    EXPECT_DOUBLE_EQ(c.lim.send_rate_per_second, 3.0);
    EXPECT_DOUBLE_EQ(c.lim.send_burst, 6.0);
}

TEST_F(GatewayConfig, RelativeDataDirResolvesAgainstTheConfigFolder) {
    const auto file = write("data_dir = \"state/db\"\n");
    const config c = load_config(file);
    EXPECT_EQ(c.data_dir, dir_ / "state/db");
    EXPECT_TRUE(c.data_dir.is_absolute());
}

TEST_F(GatewayConfig, AbsoluteDataDirIsKept) {
    const auto file = write("data_dir = \"/srv/circles\"\n");
    EXPECT_EQ(load_config(file).data_dir, fs::path("/srv/circles"));
}

TEST_F(GatewayConfig, IPv6ListenAddressLosesItsBrackets) {
    const auto file = write("listen = \"[::1]:8443\"\n");
    const config c = load_config(file);
    EXPECT_EQ(c.listen_host, "::1");
    EXPECT_EQ(c.listen_port, 8443);
}

TEST_F(GatewayConfig, SyntaxErrorNamesFileAndLine) {
    const auto file = write("listen = \"127.0.0.1:8080\"\nnode_id = \"n\"\nthis is not toml\n");
    const std::string message = load_error(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(file.string() + ":3:"), std::string::npos) << message;
}

TEST_F(GatewayConfig, MissingFileIsAnError) {
    const std::string message = load_error(dir_ / "absent.toml");
    EXPECT_NE(message.find("absent.toml"), std::string::npos) << message;
}

TEST_F(GatewayConfig, WrongTypeNamesTheKey) {
    {
        const auto file = write("listen = 8080\n", "a.toml");
        const std::string message = load_error(file);
        EXPECT_NE(message.find("'listen'"), std::string::npos) << message;
        EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    }
    {
        const auto file = write("node_id = 5\n", "b.toml");
        EXPECT_NE(load_error(file).find("'node_id'"), std::string::npos);
    }
    {
        const auto file = write("[limits]\nmax_frame_bytes = \"big\"\n", "c.toml");
        const std::string message = load_error(file);
        EXPECT_NE(message.find("'max_frame_bytes'"), std::string::npos) << message;
        EXPECT_NE(message.find("[limits]"), std::string::npos) << message;
    }
    {
        const auto file = write("[limits]\nsend_burst = \"many\"\n", "d.toml");
        EXPECT_NE(load_error(file).find("'send_burst'"), std::string::npos);
    }
}

TEST_F(GatewayConfig, UnknownKeysAreRefusedWithFileAndLine) {
    {
        // A typo at the top level.
        const auto file = write("listen = \"127.0.0.1:8080\"\ndatadir = \"/srv\"\n", "a.toml");
        const std::string message = load_error(file);
        EXPECT_NE(message.find(file.string() + ":2:"), std::string::npos) << message;
        EXPECT_NE(message.find("unknown key 'datadir'"), std::string::npos) << message;
    }
    {
        // node_id after [limits] belongs to [limits]: it must not be swallowed there.
        const auto file =
            write("[limits]\nsend_burst = 4.0\nnode_id = \"node2\"\n", "b.toml");
        const std::string message = load_error(file);
        EXPECT_NE(message.find("[limits]"), std::string::npos) << message;
        EXPECT_NE(message.find("unknown key 'node_id'"), std::string::npos) << message;
        EXPECT_NE(message.find(":3:"), std::string::npos) << message;
    }
}

TEST_F(GatewayConfig, NonStringOriginIsAnError) {
    const auto file = write("allowed_origins = [\"https://a.example\", 42]\n");
    EXPECT_NE(load_error(file).find("allowed_origins"), std::string::npos);
}

TEST_F(GatewayConfig, AllowedOriginsThatIsNotAnArrayIsAnError) {
    // A single string instead of a list must not be ignored: the server would start with the
    // default origins instead of the one the operator wrote.
    const auto file = write("allowed_origins = \"https://chat.example.org\"\n");
    EXPECT_NE(load_error(file).find("allowed_origins"), std::string::npos);
}

TEST_F(GatewayConfig, LimitsThatIsNotATableIsAnError) {
    const auto file = write("limits = 5\n");
    EXPECT_NE(load_error(file).find("limits"), std::string::npos);
}

TEST_F(GatewayConfig, BadListenInTheFileNamesFileAndKey) {
    const auto file = write("listen = \"nope\"\n");
    const std::string message = load_error(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("listen"), std::string::npos) << message;
}

TEST_F(GatewayConfig, OutOfRangeValuesAreErrors) {
    EXPECT_NE(load_error(write("threads = 1000\n", "a.toml")).find("threads"), std::string::npos);
    EXPECT_NE(load_error(write("threads = -1\n", "b.toml")).find("threads"), std::string::npos);
    EXPECT_NE(
        load_error(write("[limits]\nmax_frame_bytes = 100\n", "c.toml")).find("max_frame_bytes"),
        std::string::npos);
    EXPECT_NE(load_error(write("[limits]\nidle_timeout_seconds = 0\n", "d.toml"))
                  .find("idle_timeout_seconds"),
              std::string::npos);
    EXPECT_NE(load_error(write("[limits]\nqueue_limit_frames = 2\n", "e.toml"))
                  .find("queue_limit_frames"),
              std::string::npos);
    EXPECT_FALSE(load_error(write("[limits]\nsend_rate_per_second = 0.0\n", "f.toml")).empty());
    EXPECT_FALSE(load_error(write("[limits]\nframe_burst = 0.5\n", "g.toml")).empty());
    for (const char* replay : {"0", "500"}) {
        const auto file =
            write(std::string("[limits]\nreplay_limit_messages = ") + replay + "\n", "h.toml");
        EXPECT_NE(load_error(file).find("replay_limit_messages"), std::string::npos) << replay;
    }
}

// The configurations shipped in deploy/ must load as they are.
TEST_F(GatewayConfig, ShippedExampleLoads) {
    const config c = load_config(CIRCLES_DEPLOY_DIR "/circles.example.toml");
    EXPECT_EQ(c.data_dir, "/var/lib/circles");
    EXPECT_FALSE(c.allowed_origins.empty());
    // The container image's, with a deployment's environment over it (deploy/compose.yaml).
    ::setenv("CIRCLES_STORE", "postgresql://circles:circles@postgres:5432/circles", 1);
    ::setenv("CIRCLES_BUS", "redis://redis:6379/0", 1);
    ::setenv("CIRCLES_PRESENCE", "redis://redis:6379/0", 1);
    ::setenv("CIRCLES_NODE_ID", "node2", 1);
    const config k = load_config(CIRCLES_DEPLOY_DIR "/circles.container.toml");
    EXPECT_EQ(k.listen_host, "0.0.0.0");
    EXPECT_EQ(k.listen_port, 8080);
    EXPECT_EQ(k.web_root, "/usr/local/share/circles/web");
    EXPECT_EQ(k.node_id, "node2");
    EXPECT_EQ(k.store, "postgresql://circles:circles@postgres:5432/circles");
    EXPECT_EQ(k.bus, "redis://redis:6379/0");
    EXPECT_EQ(k.presence, "redis://redis:6379/0");
}

TEST_F(GatewayConfig, EnvironmentOverridesTheFile) {
    const auto file = write(R"(
listen = "127.0.0.1:8080"
node_id = "from-file"
allowed_origins = ["https://file.example"]
)");
    ::setenv("CIRCLES_LISTEN", "0.0.0.0:9000", 1);
    ::setenv("CIRCLES_NODE_ID", "from-env", 1);
    ::setenv("CIRCLES_ALLOWED_ORIGINS", "https://a.example, https://b.example,,https://c.example,",
             1);
    ::setenv("CIRCLES_DATA_DIR", "/tmp/circles-env-data", 1);
    ::setenv("CIRCLES_THREADS", "3", 1);
    const config c = load_config(file);
    EXPECT_EQ(c.listen_host, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 9000);
    EXPECT_EQ(c.node_id, "from-env");
    ASSERT_EQ(c.allowed_origins.size(), 3u);
    EXPECT_EQ(c.allowed_origins[0], "https://a.example");
    EXPECT_EQ(c.allowed_origins[1], "https://b.example");
    EXPECT_EQ(c.allowed_origins[2], "https://c.example");
    EXPECT_EQ(c.data_dir, fs::path("/tmp/circles-env-data"));
    EXPECT_EQ(c.threads, 3u);
}

TEST_F(GatewayConfig, EnvironmentAppliesWithoutAFile) {
    ::setenv("CIRCLES_LISTEN", "10.0.0.5:7000", 1);
    const config c = load_config({});
    EXPECT_EQ(c.listen_host, "10.0.0.5");
    EXPECT_EQ(c.listen_port, 7000);
}

TEST_F(GatewayConfig, EmptyEnvironmentVariableIsIgnored) {
    const auto file = write("node_id = \"from-file\"\n");
    ::setenv("CIRCLES_NODE_ID", "", 1);
    EXPECT_EQ(load_config(file).node_id, "from-file");
}

TEST_F(GatewayConfig, BadListenInTheEnvironmentIsRefused) {
    ::setenv("CIRCLES_LISTEN", "host:99999", 1);
    EXPECT_ANY_THROW(load_config({}));
}

TEST_F(GatewayConfig, ThreadsFromTheEnvironmentAreValidatedLikeTheFile) {
    // The file refuses threads outside 0-256; CIRCLES_THREADS=-1 must not become 4294967295.
    ::setenv("CIRCLES_THREADS", "-1", 1);
    config c;
    try {
        c = load_config({});
    } catch (const std::exception&) {
        return;  // refusing is fine
    }
    EXPECT_LE(c.threads, 256u);
}

TEST(GatewaySetListen, AcceptsHostAndPort) {
    config c;
    set_listen(c, "192.168.1.10:443");
    EXPECT_EQ(c.listen_host, "192.168.1.10");
    EXPECT_EQ(c.listen_port, 443);
    set_listen(c, "localhost:0");
    EXPECT_EQ(c.listen_host, "localhost");
    EXPECT_EQ(c.listen_port, 0);
    set_listen(c, "example.org:65535");
    EXPECT_EQ(c.listen_port, 65535);
}

TEST(GatewaySetListen, StripsBracketsFromIPv6) {
    config c;
    set_listen(c, "[::]:8080");
    EXPECT_EQ(c.listen_host, "::");
    EXPECT_EQ(c.listen_port, 8080);
}

TEST(GatewaySetListen, RejectsMalformedAddresses) {
    for (const char* bad :
         {"nope", "host:", "host:99999", ":8080", "host:80x", "host:-1", "host:65536", ""}) {
        config c;
        EXPECT_THROW(set_listen(c, bad), std::invalid_argument) << "'" << bad << "'";
    }
}

TEST(GatewaySetListen, RejectionNamesTheValue) {
    config c;
    try {
        set_listen(c, "nope");
        FAIL() << "accepted 'nope'";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
    }
}

TEST(GatewaySetListen, RejectionLeavesTheConfigUnchanged) {
    config c;
    EXPECT_THROW(set_listen(c, "other:99999"), std::invalid_argument);
    EXPECT_EQ(c.listen_host, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
}

TEST(GatewayFinishDefaults, LoopbackListenerAllowsBothLoopbackNames) {
    config c;
    set_listen(c, "127.0.0.1:8080");
    finish_defaults(c, "/opt/circles/bin/circles");
    ASSERT_EQ(c.allowed_origins.size(), 2u);
    EXPECT_EQ(c.allowed_origins[0], "http://127.0.0.1:8080");
    EXPECT_EQ(c.allowed_origins[1], "http://localhost:8080");
}

TEST(GatewayFinishDefaults, OtherListenerAllowsItsOwnOrigin) {
    config c;
    set_listen(c, "chat.school.example:8000");
    finish_defaults(c, "/opt/circles/bin/circles");
    ASSERT_EQ(c.allowed_origins.size(), 1u);
    EXPECT_EQ(c.allowed_origins[0], "http://chat.school.example:8000");
}

TEST(GatewayFinishDefaults, KeepsConfiguredOrigins) {
    config c;
    c.allowed_origins = {"https://chat.example.org"};
    finish_defaults(c, "/opt/circles/bin/circles");
    ASSERT_EQ(c.allowed_origins.size(), 1u);
    EXPECT_EQ(c.allowed_origins[0], "https://chat.example.org");
}

TEST(GatewayFinishDefaults, WebRootDefaultsNextToTheExecutable) {
    config c;
    finish_defaults(c, "/opt/circles/bin/circles");
    EXPECT_EQ(c.web_root.lexically_normal(), fs::path("/opt/circles/web"));

    config set;
    set.web_root = "/srv/web";
    finish_defaults(set, "/opt/circles/bin/circles");
    EXPECT_EQ(set.web_root, fs::path("/srv/web"));
}

TEST(GatewayFinishDefaults, IPv6ListenerOriginKeepsBrackets) {
    // Browsers send Origin: http://[::1]:8080; "http://::1:8080" never matches.
    config c;
    set_listen(c, "[::1]:8080");
    finish_defaults(c, "/opt/circles/bin/circles");
    ASSERT_FALSE(c.allowed_origins.empty());
    EXPECT_EQ(c.allowed_origins[0], "http://[::1]:8080");
}

}  // namespace
}  // namespace circles::gateway

// The figures of a run as JSON and as a table.
#include "circles/bench/report.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <sstream>

namespace circles::bench {
namespace {

bench_report sample() {
    bench_report r;
    r.protocol = "circles";
    r.url = "ws://127.0.0.1:8080/ws";
    r.connections_requested = 12;
    r.connections = 12;
    r.rooms = 2;
    r.room_size = 6;
    r.rate = 2;
    r.duration_s = 2;
    r.sent = 48;
    r.acked = 47;
    r.refused = 1;
    r.delivery = {282, 282, 0, 0, 0};
    for (int i = 1; i <= 100; ++i) r.latency.record(static_cast<std::uint64_t>(i) * 1'000'000);
    r.errors["error_RATE_LIMITED"] = 1;
    r.server_pid = 99;
    r.rss_before = 10'000'000;
    r.rss_connected = 10'120'000;
    return r;
}

TEST(BenchReport, JsonHoldsTheFiguresInTheirUnits) {
    const auto j = to_json(sample());
    EXPECT_EQ(j.at("delivered").as_uint64(), 282u);
    EXPECT_EQ(j.at("lost").as_uint64(), 0u);
    EXPECT_EQ(j.at("duplicated").as_uint64(), 0u);
    EXPECT_DOUBLE_EQ(j.at("delivered_per_s").as_double(), 141.0);
    EXPECT_DOUBLE_EQ(j.at("sent_per_s").as_double(), 24.0);
    EXPECT_EQ(j.at("unacked").as_uint64(), 0u);
    const auto& lat = j.at("latency_ms").as_object();
    EXPECT_NEAR(lat.at("p50").as_double(), 50.0, 0.5);
    EXPECT_NEAR(lat.at("p99").as_double(), 99.0, 1.0);
    EXPECT_DOUBLE_EQ(lat.at("max").as_double(), 100.0);
    EXPECT_EQ(lat.at("count").as_uint64(), 100u);
    EXPECT_TRUE(j.at("ack_latency_ms").as_object().contains("p99_9"));
    EXPECT_EQ(j.at("errors").as_object().at("error_RATE_LIMITED").as_uint64(), 1u);
    EXPECT_EQ(j.at("errors_total").as_uint64(), 1u);
    EXPECT_DOUBLE_EQ(j.at("bytes_per_connection").as_double(), 10'000.0);
    EXPECT_TRUE(j.at("clean").as_bool());
}

TEST(BenchReport, JsonTextWritesPlainNumbersAndParsesBack) {
    const auto text = format_json(sample());
    EXPECT_EQ(text.find("E0"), std::string::npos) << text;
    EXPECT_NE(text.find("\"rate_per_member\":2,"), std::string::npos) << text;
    EXPECT_NE(text.find("\"delivered_per_s\":141,"), std::string::npos) << text;
    const auto parsed = boost::json::parse(text);
    EXPECT_EQ(parsed.at("lost").to_number<std::uint64_t>(), 0u);
    EXPECT_DOUBLE_EQ(parsed.at("latency_ms").at("max").to_number<double>(), 100.0);
    EXPECT_EQ(parsed.at("errors").at("error_RATE_LIMITED").to_number<std::uint64_t>(), 1u);
    EXPECT_TRUE(parsed.at("rss_peak_bytes").is_null());
}

TEST(BenchReport, WithoutAServerPidMemoryFiguresAreNull) {
    auto r = sample();
    r.server_pid = 0;
    r.rss_before.reset();
    r.rss_connected.reset();
    const auto j = to_json(r);
    EXPECT_TRUE(j.at("server_pid").is_null());
    EXPECT_TRUE(j.at("bytes_per_connection").is_null());
    EXPECT_TRUE(j.at("rss_peak_bytes").is_null());
    EXPECT_TRUE(j.at("server_cpu_s").is_null());
    EXPECT_TRUE(j.at("arrived_in_window").is_null());
}

// Past saturation the window's messages arrive long after it: the CPU of the window is set
// against what arrived in the window, not against everything the window sent.
TEST(BenchReport, ServerCpuIsSetAgainstWhatArrivedInTheWindow) {
    auto r = sample();
    r.server_cpu_s = 2.0;
    r.arrived_in_window = 200'000;
    r.delivery.delivered = 300'000;
    const auto j = to_json(r);
    EXPECT_EQ(j.at("arrived_in_window").as_uint64(), 200'000u);
    EXPECT_DOUBLE_EQ(j.at("server_cpu_s").to_number<double>(), 2.0);
    std::ostringstream table;
    print_table(table, r);
    EXPECT_NE(table.str().find("10.0 us per message received in it"), std::string::npos)
        << table.str();
}

// The generator's own CPU in the window: the share of its threads' cores it filled, and the
// kernel's part per message received (what no faster generator could shed).
TEST(BenchReport, TheGeneratorsOwnCpuIsReportedWithItsShareOfItsCores) {
    auto r = sample();
    r.threads = 2;
    r.duration_s = 10;
    r.generator_user_s = 6.0;
    r.generator_system_s = 9.0;
    r.server_cpu_s = 5.0;
    r.arrived_in_window = 3'000'000;
    const auto j = to_json(r);
    EXPECT_DOUBLE_EQ(j.at("generator_user_s").to_number<double>(), 6.0);
    EXPECT_DOUBLE_EQ(j.at("generator_system_s").to_number<double>(), 9.0);
    std::ostringstream table;
    print_table(table, r);
    EXPECT_NE(table.str().find("6.00 s user + 9.00 s kernel in window (75 % of 2 threads), "
                               "kernel 3.00 us per message received"),
              std::string::npos)
        << table.str();

    r.generator_user_s.reset();
    r.generator_system_s.reset();
    const auto none = to_json(r);
    EXPECT_TRUE(none.at("generator_user_s").is_null());
    EXPECT_TRUE(none.at("generator_system_s").is_null());
    std::ostringstream without;
    print_table(without, r);
    EXPECT_EQ(without.str().find("generator CPU"), std::string::npos) << without.str();
}

TEST(BenchReport, ALossADuplicateOrAFailedClientMakesTheRunUnclean) {
    auto r = sample();
    EXPECT_TRUE(r.clean());
    r.delivery.lost = 1;
    EXPECT_FALSE(r.clean());
    r = sample();
    r.delivery.duplicated = 1;
    EXPECT_FALSE(r.clean());
    r = sample();
    r.connections = 0;
    EXPECT_FALSE(r.clean());
    r = sample();
    r.connections = 11;  // one client never joined
    EXPECT_FALSE(r.clean());
}

TEST(BenchReport, TablePrintsTheHeadlineFigures) {
    std::ostringstream out;
    print_table(out, sample());
    const auto text = out.str();
    for (const char* want :
         {"delivered", "282 of 282", "lost", "duplicated", "p99.9", "send -> recipient",
          "send -> ack", "error_RATE_LIMITED 1", "9.8 KiB idle"}) {
        EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
    }
}

}  // namespace
}  // namespace circles::bench

#pragma once
// One benchmark run, phase by phase:
//   plan      who connects, in which room (tokens file, or --room-size for Socket.IO)
//   setup     connect, upgrade, authenticate and join every client, --connect-concurrency at
//             a time; then --settle, then the idle memory sample of the server
//   traffic   every member sends at --rate: --warmup (not measured), then --duration (the
//             window: every figure is about messages sent inside it)
//   drain     until every window message reached every member and every send was answered,
//             or nothing more came for --drain seconds, or --drain-max seconds passed
//   report    reconcile what was sent with what arrived; merge the workers' histograms
// Throws std::runtime_error for what stops a run before it starts (no tokens, no address).
#include "circles/bench/options.hpp"
#include "circles/bench/report.hpp"

namespace circles::bench {

bench_report run_bench(const options& opt);

}  // namespace circles::bench

#pragma once
// Runs a Circles node: opens the store, builds the rooms service on the in-process bus and
// presence, listens, and serves until SIGINT or SIGTERM. Shutdown stops accepting, closes
// every WebSocket with 1001, waits up to limits::shutdown_grace for them, then flushes and
// closes the store.
#include <functional>

#include "circles/gateway/config.hpp"

namespace circles::gateway {

// `on_listening` is called once with the bound port (useful with port 0). Returns the exit
// code. Throws std::runtime_error on a start-up failure.
int serve(const config& cfg, const std::function<void(std::uint16_t)>& on_listening = {});

}  // namespace circles::gateway

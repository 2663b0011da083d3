#pragma once
// Serves the built web client from the web root. Paths are confined to the root; a path
// without a file extension falls back to index.html so client-side routes load.
#include "api.hpp"

namespace circles::gateway {

response serve_static(const shared_state& state, const request& req);

}  // namespace circles::gateway

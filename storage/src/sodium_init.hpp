#pragma once
// libsodium must be initialised once before any other call (it picks the fastest
// implementations and seeds the RNG). Every entry point that touches sodium calls this first.
namespace circles::storage::detail {

// Throws std::runtime_error if libsodium cannot initialise (no entropy source).
void ensure_sodium();

}  // namespace circles::storage::detail

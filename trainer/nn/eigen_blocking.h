// Eigen's GEMM cuts the depth of a product into blocks sized from the CPU's L1 cache, which it
// queries at run time (cpuid), and a different block changes the order of the float sums: the same
// binary then trains different bits on a CPU with another L1 size. Every entry point pins the cache
// sizes Eigen plans with to these constants, so trained bytes depend on the binary only.
#pragma once

namespace dqt {

/// L1 / L2 / L3 sizes Eigen plans its blocking with (bytes). Only L1 reaches the numbers: it sets the
/// depth block kc (Eigen 3.4 computeProductBlockingSizes); L2 / L3 only size the panels. 32 KiB is the
/// L1d of the machines the byte-identity hashes were recorded on (tests/e2e/byte_identity.json):
/// found when a machine with a 48 KiB L1d trained other bits from the same binary, and with this pin
/// reproduced every recorded hash there.
constexpr long kEigenL1 = 32 * 1024;
constexpr long kEigenL2 = 1024 * 1024;
constexpr long kEigenL3 = 32 * 1024 * 1024;

/// Sets Eigen's cache sizes to the constants above; call once at startup, before any product.
void pin_eigen_cache_sizes();

}  // namespace dqt

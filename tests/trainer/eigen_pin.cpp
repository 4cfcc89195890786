// The trainer suite plans Eigen's products with the same pinned cache sizes as the deepquan binary
// (nn/eigen_blocking.h), so what it checks is what the binary computes on any CPU.
#include "nn/eigen_blocking.h"

namespace {
const bool pinned = (dqt::pin_eigen_cache_sizes(), true);
}  // namespace

#include "nn/eigen_blocking.h"

#include <Eigen/Core>

namespace dqt {

void pin_eigen_cache_sizes() { Eigen::setCpuCacheSizes(kEigenL1, kEigenL2, kEigenL3); }

}  // namespace dqt

// Kernel registries: what an operator's list of compiled kernels holds and how the best one is
// picked. One list per operator (8-bit scan: scan.h, 4-bit fast-scan: fastscan.h, dense layer:
// encoder.h), generated from kernels/<operator>.inc; tests and benchmarks iterate over each list and
// check every supported entry bit for bit against the operator's scalar reference.
#pragma once

#include <cstdint>
#include <vector>

namespace dq {

/// One compiled kernel of an operator whose kernels have the signature Fn.
template <class Fn>
struct KernelInfo {
    const char* name;     ///< dq_<operator>__<isa>, e.g. "dq_scan_lut8_u8__avx2"
    Fn fn;
    bool (*supported)();  ///< whether this CPU / runtime can run it (probes: src/cpu_features.h)
    /// Work items per main-loop step (codes for the 8-bit scan, 32-code blocks for fast-scan, rows
    /// for the dense layer); 1 for the scalar references. Tests check the sizes around it.
    uint32_t tile;
};

/// The kernel to use: the last supported entry. Registries list the scalar reference first (always
/// supported), then the SIMD variants in increasing order of preference. Call once and keep the
/// result; never choose per call or per code.
template <class Fn>
const KernelInfo<Fn>& pick_best(const std::vector<KernelInfo<Fn>>& list) {
    const KernelInfo<Fn>* pick = &list.front();
    for (const auto& k : list)
        if (k.supported()) pick = &k;
    return *pick;
}

}  // namespace dq

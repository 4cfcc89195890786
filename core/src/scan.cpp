#include "dq/scan.h"

#include "cpu_features.h"

namespace dq {

#define DQ_SCAN_LUT8_KERNEL(fn, supported, tile) \
    void fn(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);
#include "kernels/scan-lut8.inc"
#undef DQ_SCAN_LUT8_KERNEL

void dq_scan_lut8_u8__scalar(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n,
                             float* out) {
    if (M == 0) {
        for (size_t i = 0; i < n; ++i) out[i] = 0.0f;
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* c = codes + i * M;
        float acc = lut[c[0]];
        for (uint32_t m = 1; m < M; ++m) acc += lut[size_t(m) * K + c[m]];
        out[i] = acc;
    }
}

const std::vector<ScanKernelInfo>& scan_kernels() {
    static const std::vector<ScanKernelInfo> list = {
#define DQ_SCAN_LUT8_KERNEL(fn, supported, tile) ScanKernelInfo{#fn, &fn, &supported, tile},
#include "kernels/scan-lut8.inc"
#undef DQ_SCAN_LUT8_KERNEL
    };
    return list;
}

const ScanKernelInfo& best_scan_kernel() {
    static const ScanKernelInfo& best = pick_best(scan_kernels());
    return best;
}

}  // namespace dq

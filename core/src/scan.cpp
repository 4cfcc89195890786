#include "dq/scan.h"

#include "kernels/scan_registry.inc"  // first at file scope: defines the supported() probes

namespace dq {

#define DQ_SCAN_KERNEL(fn, supported) \
    void fn(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);
#include "kernels/scan_registry.inc"
#undef DQ_SCAN_KERNEL

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
#define DQ_SCAN_KERNEL(fn, supported) ScanKernelInfo{#fn, &fn, &supported},
#include "kernels/scan_registry.inc"
#undef DQ_SCAN_KERNEL
    };
    return list;
}

const ScanKernelInfo& best_scan_kernel() {
    static const ScanKernelInfo& best = [] () -> const ScanKernelInfo& {
        const auto& list = scan_kernels();
        const ScanKernelInfo* pick = &list.front();
        for (const auto& k : list)
            if (k.supported()) pick = &k;
        return *pick;
    }();
    return best;
}

}  // namespace dq

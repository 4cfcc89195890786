// dq::read_model on arbitrary bytes: it must either throw dq::Error or return a model that
// validates, serializes again, and encodes an input.
#include <cstdint>
#include <vector>

#include "dq/format.h"
#include "dq/index.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dq::Model m, m2;
    if (!dqfuzz::read_validate_reread(data, size, &dq::read_model, &dq::write_model, m, m2)) return 0;
    DQ_FUZZ_ASSERT(m2.M == m.M && m2.K == m.K && m2.dsub == m.dsub && m2.input_dim() == m.input_dim());
    if (m.input_dim() <= (1u << 16)) {
        dq::Index index(m);
        std::vector<float> x(m.input_dim(), 0.5f);
        std::vector<uint8_t> codes(m.M);
        index.encode(x.data(), 1, codes.data());
        for (uint8_t c : codes) DQ_FUZZ_ASSERT(c < m.K);
    }
    return 0;
}

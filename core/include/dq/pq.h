// Product quantizer: M subspaces of dsub dimensions, K codewords each (K = 256 or 16).
//
// Codes are one byte per subspace (n × M, row-major) whatever K is. Distances are squared L2.
// Encoding accumulates each squared distance in increasing dimension order without FMA, so native
// and wasm builds choose the same codeword; ties go to the lower codeword index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dq {

class ProductQuantizer {
public:
    ProductQuantizer() = default;
    /// centroids: M × K × dsub floats (Faiss order). Throws dq::Error on bad sizes / K not in {16,256}.
    ProductQuantizer(uint32_t M, uint32_t K, uint32_t dsub, std::vector<float> centroids);

    uint32_t M() const { return M_; }
    uint32_t K() const { return K_; }
    uint32_t dsub() const { return dsub_; }
    uint32_t dim() const { return M_ * dsub_; }
    const std::vector<float>& centroids() const { return centroids_; }
    /// Codeword k of subspace m: dsub floats.
    const float* centroid(uint32_t m, uint32_t k) const { return &centroids_[(size_t(m) * K_ + k) * dsub_]; }

    /// x: n × dim floats; codes: n × M bytes (nearest codeword per subspace).
    void encode(const float* x, size_t n, uint8_t* codes) const;
    /// codes: n × M; x: n × dim (the codewords concatenated).
    void decode(const uint8_t* codes, size_t n, float* x) const;

    /// Symmetric table (paper Eq. 5): M × K × K floats, sdc[(m*K + a)*K + b] = ||C_ma - C_mb||².
    std::vector<float> compute_sdc_table() const;
    /// Asymmetric lookup table of one query: lut (M × K floats), lut[m*K + k] = ||x_m - C_mk||².
    void compute_adc_lut(const float* x, float* lut) const;
    /// Symmetric lookup table of one query code: lut[m*K + k] = sdc[(m*K + code[m])*K + k].
    static void sdc_lut_from_code(const float* sdc, uint32_t M, uint32_t K, const uint8_t* code,
                                  float* lut);

    /// Mean squared quantization error of n vectors (the quantity K-means minimizes).
    double quantization_error(const float* x, size_t n) const;

private:
    uint32_t M_ = 0, K_ = 0, dsub_ = 0;
    std::vector<float> centroids_;
};

/// Squared L2 distance accumulated in index order (the reference order every build shares).
float l2sqr(const float* a, const float* b, size_t d);

}  // namespace dq

// Encoder: every registered dense kernel bit-identical to the scalar reference at edge sizes, the
// reference against a double-precision forward pass, the summation order of encoder.h, and refusal
// of non-finite inputs with the index named.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "dq/encoder.h"
#include "dq/error.h"
#include "test_format_util.h"
#include "test_kernels.h"

namespace {

const std::vector<dq::DenseKernelInfo>& kernels() { return dq::dense_kernels(); }

// Mixed signs and magnitudes over many binades, so any change of summation order changes bits.
std::vector<float> spread(size_t n, uint64_t seed) {
    fmttest::Rng rng(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = std::ldexp(rng.uniform(-1.0f, 1.0f), int(rng.below(16)) - 8);
    return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    // Empty vectors may have null data(), which memcmp must not see.
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

std::vector<double> forward_double(const dq::Model& m, const float* x) {
    std::vector<double> a(x, x + m.input_dim());
    for (const auto& L : m.layers) {
        std::vector<double> y(L.out);
        for (uint32_t j = 0; j < L.out; ++j) {
            double s = L.bias[j];
            for (uint32_t i = 0; i < L.in; ++i) s += double(L.weight[size_t(j) * L.in + i]) * a[i];
            y[j] = L.act == dq::Activation::relu ? std::max(s, 0.0) : s;
        }
        a = std::move(y);
    }
    return a;
}

}  // namespace

TEST_CASE("dense registry: scalar first, the best kernel is the last supported", "[encoder]") {
    dqtest::check_registry(kernels(), dq::pick_best(kernels()), "dq_dense_f32");
    CHECK(kernels().front().fn == &dq::dq_dense_f32__scalar);
    dq::DenseKernel last = nullptr;
    for (const auto& k : kernels())
        if (k.supported()) last = k.fn;
    CHECK(dq::best_dense_kernel() == last);
    CHECK(dq::best_dense_kernel() == dq::pick_best(kernels()).fn);
}

TEST_CASE("scalar dense reference: 8 interleaved lanes, fixed tree", "[encoder]") {
    // in = 9: lane 0 gets x0 and the tail x8, lane 4 gets x4. Left-to-right summation would give
    // (1e8 - 1e8) + 1 = 1; the lanes give (1e8 + 1) = 1e8 in lane 0, then 1e8 + (-1e8) = 0.
    std::vector<float> w(9, 1.0f), x(9, 0.0f);
    x[0] = 1e8f;
    x[4] = -1e8f;
    x[8] = 1.0f;
    float y = -1;
    dq::dq_dense_f32__scalar(w.data(), 9, 1, x.data(), 1, &y);
    CHECK(y == 0.0f);
    // Tree order: (l0 + l4) + (l2 + l6) = 1 + (1e8 - 1e8) = 1, where (l0 + l2) + (l4 + l6) would give 0.
    std::vector<float> w8(8, 1.0f), x8 = {1.0f, 0, 1e8f, 0, 0, 0, -1e8f, 0};
    dq::dq_dense_f32__scalar(w8.data(), 8, 1, x8.data(), 1, &y);
    CHECK(y == 1.0f);
}

TEST_CASE("every dense kernel is bit-identical to the scalar reference at edge sizes", "[encoder]") {
    const size_t ins[] = {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 784};
    const size_t outs[] = {1, 2, 3, 4, 5, 9, 33};
    for (const auto& k : kernels()) {
        if (!k.supported()) {
            WARN(k.name << " not supported on this CPU: skipped");
            continue;
        }
        for (size_t in : ins)
            for (size_t out : outs)
                // Rows below, at and above the kernel's row tile, and 3 tile + 5.
                for (size_t n : std::set<size_t>{1, 2, 3, 5, k.tile - 1u, k.tile, k.tile + 1u, 3u * k.tile + 5u}) {
                    const auto w = spread(in * out, in * 131 + out);
                    const auto x = spread(in * n, in * 7 + n);
                    std::vector<float> ref(n * out, -7.0f), got(n * out, -9.0f);
                    dq::dq_dense_f32__scalar(w.data(), in, out, x.data(), n, ref.data());
                    k.fn(w.data(), in, out, x.data(), n, got.data());
                    INFO(k.name << " in=" << in << " out=" << out << " n=" << n);
                    REQUIRE(same_bits(ref, got));
                }
    }
}

TEST_CASE("dense kernels agree on a batch larger than a weight block", "[encoder]") {
    // 300 outputs × 784 inputs spans three ~128 KiB weight blocks; 23 rows leave remainders.
    const size_t in = 784, out = 300, n = 23;
    const auto w = spread(in * out, 1), x = spread(in * n, 2);
    std::vector<float> ref(n * out);
    dq::dq_dense_f32__scalar(w.data(), in, out, x.data(), n, ref.data());
    for (const auto& k : kernels()) {
        if (!k.supported()) continue;
        std::vector<float> got(n * out);
        k.fn(w.data(), in, out, x.data(), n, got.data());
        INFO(k.name);
        CHECK(same_bits(ref, got));
    }
}

TEST_CASE("Encoder matches a double-precision forward pass within 1e-5", "[encoder]") {
    // 784 -> 64 (relu) -> 32 (relu) -> 16, weights scaled like a trained net (±1/sqrt(in)).
    dq::Model m = fmttest::make_model({64, 32}, 4, 256, 4, 11, 28, 28, 0.05f);
    const dq::Encoder enc(m);
    CHECK(enc.input_dim() == 784);
    CHECK(enc.output_dim() == 16);
    fmttest::Rng rng(3);
    const size_t n = 7;
    std::vector<float> x(n * 784);
    for (auto& v : x) v = float(rng.below(256)) / 255.0f;
    std::vector<float> z(n * 16);
    enc.forward(x.data(), n, z.data());
    double worst = 0;
    for (size_t r = 0; r < n; ++r) {
        const auto ref = forward_double(m, &x[r * 784]);
        for (size_t j = 0; j < 16; ++j) {
            const double err = std::fabs(double(z[r * 16 + j]) - ref[j]) / std::max(1.0, std::fabs(ref[j]));
            worst = std::max(worst, err);
        }
    }
    INFO("worst relative error " << worst);
    CHECK(worst < 1e-5);
    // The single-vector form gives the same bits as row 0 of the batch.
    const auto z0 = enc.forward(std::vector<float>(x.begin(), x.begin() + 784));
    CHECK(same_bits(z0, std::vector<float>(z.begin(), z.begin() + 16)));
}

TEST_CASE("Encoder: batches, chunks and kernels give the same bits as one row at a time", "[encoder]") {
    // The paper's shape: 784-500-500-2000-64. 130 rows cross the 64-row chunk boundary twice.
    dq::Model m = fmttest::make_model({500, 500, 2000}, 8, 256, 8, 5, 28, 28, 0.04f);
    const dq::Encoder best(m), scalar(m, &dq::dq_dense_f32__scalar);
    fmttest::Rng rng(9);
    const size_t n = 130;
    std::vector<float> x(n * 784);
    for (auto& v : x) v = float(rng.below(256)) / 255.0f;
    std::vector<float> zb(n * 64), zs(n * 64);
    best.forward(x.data(), n, zb.data());
    for (size_t r = 0; r < n; r += 43) scalar.forward(&x[r * 784], std::min<size_t>(43, n - r), &zs[r * 64]);
    CHECK(same_bits(zb, zs));
    std::vector<float> one(64);
    best.forward(&x[129 * 784], 1, one.data());
    CHECK(std::memcmp(one.data(), &zb[129 * 64], 64 * sizeof(float)) == 0);
    // Not all zero: the network actually passes signal through its ReLUs.
    size_t nonzero = 0;
    for (float v : zb) nonzero += v != 0.0f;
    CHECK(nonzero > zb.size() / 2);
}

TEST_CASE("Encoder::forward_prefix gives each layer's output as the full pass computes it", "[encoder]") {
    // 784 -> 64 (relu) -> 32 (relu) -> 16; 70 rows cross the 64-row chunk boundary.
    dq::Model m = fmttest::make_model({64, 32}, 4, 256, 4, 11, 28, 28, 0.05f);
    const dq::Encoder enc(m);
    fmttest::Rng rng(21);
    const size_t n = 70;
    std::vector<float> x(n * 784);
    for (auto& v : x) v = float(rng.below(256)) / 255.0f;
    std::vector<float> p0(n * 784), p1(n * 64), p2(n * 32), p3(n * 16), z(n * 16);
    enc.forward_prefix(x.data(), n, 0, p0.data());
    CHECK(same_bits(p0, x));
    enc.forward_prefix(x.data(), n, 1, p1.data());
    enc.forward_prefix(x.data(), n, 2, p2.data());
    enc.forward_prefix(x.data(), n, 3, p3.data());
    enc.forward(x.data(), n, z.data());
    CHECK(same_bits(p3, z));
    // Layer 2 applied by hand to the prefix-1 output (the scalar kernel defines the summation order
    // every kernel follows) must give the prefix-2 output.
    const dq::DenseLayer& L = m.layers[1];
    std::vector<float> y(n * 32);
    dq::dq_dense_f32__scalar(L.weight.data(), L.in, L.out, p1.data(), n, y.data());
    for (size_t r = 0; r < n; ++r)
        for (size_t j = 0; j < 32; ++j) {
            const float v = y[r * 32 + j] + L.bias[j];
            y[r * 32 + j] = v > 0.0f ? v : 0.0f;
        }
    CHECK(same_bits(y, p2));
    CHECK_THROWS_WITH(enc.forward_prefix(x.data(), n, 4, z.data()), Catch::Contains("4 layers asked for"));
}

TEST_CASE("Encoder refuses non-finite inputs and names the index", "[encoder]") {
    dq::Model m = fmttest::make_model({8}, 2, 16, 2, 1);  // 16 inputs
    const dq::Encoder enc(m);
    std::vector<float> x(3 * 16, 0.5f), z(3 * 4);
    x[16 + 5] = std::nanf("");
    CHECK_THROWS_WITH(enc.forward(x.data(), 3, z.data()), "input 21 (row 1, value 5) is NaN");
    x[16 + 5] = 0.5f;
    x[2 * 16 + 15] = -INFINITY;
    CHECK_THROWS_WITH(enc.forward(x.data(), 3, z.data()), "input 47 (row 2, value 15) is -Infinity");
    x[2 * 16 + 15] = INFINITY;
    CHECK_THROWS_AS(enc.forward(x.data(), 3, z.data()), dq::Error);
    CHECK_THROWS_WITH(enc.forward(std::vector<float>(15, 0.0f)), "encoder input has 15 values, expected 16");
}

TEST_CASE("Encoder refuses an invalid model", "[encoder]") {
    dq::Model m = fmttest::make_model({8}, 2, 16, 2, 1);
    m.layers[0].weight[3] = std::nanf("");
    CHECK_THROWS_WITH(dq::Encoder(m), Catch::Contains("layer 0: weight[3]"));
}

namespace {

// make_model's 16-input model with a standardization far from [0, 1]: means around 1000, scales
// around 1/50 (dimension 3 has the zero-variance scale 1).
dq::Model standardized_model() {
    dq::Model m = fmttest::make_model({8}, 2, 16, 2, 3);
    fmttest::Rng rng(17);
    for (uint32_t i = 0; i < 16; ++i) {
        m.input.mean.push_back(1000.0f + rng.uniform(-100.0f, 100.0f));
        m.input.inv_std.push_back(i == 3 ? 1.0f : 1.0f / rng.uniform(20.0f, 80.0f));
    }
    return m;
}

}  // namespace

TEST_CASE("Encoder standardizes inputs first: (x - mean) * scale in float, then the layers", "[encoder]") {
    const dq::Model m = standardized_model();
    dq::Model plain = m;
    plain.input.mean.clear();
    plain.input.inv_std.clear();
    const size_t n = 70;   // crosses the 64-row chunk boundary
    fmttest::Rng rng(5);
    std::vector<float> x(n * 16);
    for (auto& v : x) v = 1000.0f + 50.0f * rng.uniform(-3.0f, 3.0f);
    // By hand, one subtraction then one multiplication per value, in float.
    std::vector<float> xs(x.size());
    for (size_t r = 0; r < n; ++r)
        for (size_t i = 0; i < 16; ++i) {
            const float t = x[r * 16 + i] - m.input.mean[i];
            xs[r * 16 + i] = t * m.input.inv_std[i];
        }
    std::vector<float> lib(x.size());
    dq::standardize_inputs(m.input, x.data(), n, lib.data());
    CHECK(same_bits(lib, xs));
    for (const auto& k : kernels()) {
        if (!k.supported()) continue;
        const dq::Encoder enc(m, k.fn), ref(plain, k.fn);
        std::vector<float> z(n * 4), zr(n * 4), p0(x.size());
        enc.forward(x.data(), n, z.data());
        ref.forward(xs.data(), n, zr.data());
        CHECK(same_bits(z, zr));
        enc.forward_prefix(x.data(), n, 0, p0.data());   // the first layer's input: standardized
        CHECK(same_bits(p0, xs));
    }
    // Not the same function as without standardization (the section matters).
    std::vector<float> z(n * 4), zraw(n * 4);
    dq::Encoder(m).forward(x.data(), n, z.data());
    dq::Encoder(plain).forward(x.data(), n, zraw.data());
    CHECK(!same_bits(z, zraw));
}

TEST_CASE("Encoder of a standardized model refuses non-finite inputs and overflowing ones", "[encoder]") {
    const dq::Model m = standardized_model();
    const dq::Encoder enc(m);
    std::vector<float> x(2 * 16, 1000.0f), z(2 * 4);
    x[16 + 2] = std::nanf("");
    CHECK_THROWS_WITH(enc.forward(x.data(), 2, z.data()), "input 18 (row 1, value 2) is NaN");
    x[16 + 2] = 1000.0f;
    // Finite, but x - mean overflows: a clear error, never an infinity inside the network.
    x[16 + 3] = -3.4e38f;
    dq::Model wide = m;
    wide.input.mean[3] = 3.4e38f;
    CHECK_THROWS_WITH(dq::Encoder(wide).forward(x.data(), 2, z.data()),
                      Catch::Contains("input 19 (row 1, value 3)") && Catch::Contains("overflows"));
    CHECK_THROWS_WITH(dq::standardize_inputs(wide.input, x.data(), 2, x.data()), Catch::Contains("overflows"));
}

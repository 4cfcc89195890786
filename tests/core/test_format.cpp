// File formats: CRC-32, half floats, validation, model and database round trips, and the error
// each kind of bad file gets. Mutation (truncation, byte flips) and golden files are in
// test_format_mutation.cpp and test_format_golden.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "dq/error.h"
#include "dq/format.h"
#include "format_layout.h"
#include "test_format_util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DQ_TEST_F16C 1
#endif

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using dq::FormatError;
using namespace dq::fmt;

namespace {

[[maybe_unused]] float bits_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

#ifdef DQ_TEST_F16C
// The CPU's own conversion (round to nearest even) as an independent oracle.
__attribute__((target("f16c"))) uint16_t hw_float_to_half(float f) {
    return uint16_t(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT), 0));
}
__attribute__((target("f16c"))) float hw_half_to_float(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}
#endif

std::string what_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const FormatError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("WRONG TYPE: ") + e.what();
    }
    return "NO ERROR";
}

// what() of the dq::Error (of any subtype) f() throws, or "NO ERROR"; other exceptions propagate.
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const dq::Error& e) {
        return e.what();
    }
    return "NO ERROR";
}

std::string model_error(const std::vector<uint8_t>& b) {
    return what_of([&] { dq::read_model(b.data(), b.size()); });
}
std::string db_error(const std::vector<uint8_t>& b) {
    return what_of([&] { dq::read_database(b.data(), b.size()); });
}

}  // namespace

TEST_CASE("crc32 matches the IEEE / zlib check values", "[format]") {
    const char* s = "123456789";
    CHECK(dq::crc32(reinterpret_cast<const uint8_t*>(s), 9) == 0xcbf43926u);
    CHECK(dq::crc32(nullptr, 0) == 0u);
    const std::string fox = "The quick brown fox jumps over the lazy dog";
    CHECK(dq::crc32(reinterpret_cast<const uint8_t*>(fox.data()), fox.size()) == 0x414fa339u);
    // Incremental: crc(a + b) == crc(b, crc(a)).
    const auto* p = reinterpret_cast<const uint8_t*>(fox.data());
    for (size_t cut : {0, 1, 17, 43}) CHECK(dq::crc32(p + cut, fox.size() - cut, dq::crc32(p, cut)) == 0x414fa339u);
    const uint8_t zeros[32] = {};
    CHECK(dq::crc32(zeros, 32) == 0x190a55adu);
}

TEST_CASE("half conversion: exact values, round to nearest even, inf, nan, subnormals", "[format]") {
    // Every finite half survives half -> float -> half; infinities too; NaNs stay NaN.
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = dq::half_to_float(uint16_t(h));
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            REQUIRE(std::isnan(f));
            REQUIRE(std::isnan(dq::half_to_float(dq::float_to_half(f))));
        } else {
            REQUIRE(dq::float_to_half(f) == h);
        }
    }
    CHECK(dq::half_to_float(0x3c00) == 1.0f);
    CHECK(dq::half_to_float(0xc000) == -2.0f);
    CHECK(dq::half_to_float(0x7bff) == 65504.0f);
    CHECK(dq::half_to_float(0x0001) == std::ldexp(1.0f, -24));   // smallest subnormal
    CHECK(dq::half_to_float(0x03ff) == std::ldexp(1023.0f, -24)); // largest subnormal
    CHECK(dq::half_to_float(0x0400) == std::ldexp(1.0f, -14));   // smallest normal
    CHECK(float_bits(dq::half_to_float(0x8000)) == 0x80000000u); // -0 keeps its sign
    CHECK(std::isinf(dq::half_to_float(0x7c00)));
    CHECK(dq::half_to_float(0xfc00) < 0);

    // Ties go to the even neighbour, above-half rounds up, below-half rounds down.
    CHECK(dq::float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);          // tie, 1.0 is even
    CHECK(dq::float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);      // tie, rounds up to even
    CHECK(dq::float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3c01);
    CHECK(dq::float_to_half(2047.0f / 1024.0f + std::ldexp(1.0f, -11)) == 0x4000);  // carry into the exponent
    CHECK(dq::float_to_half(65504.0f) == 0x7bff);
    CHECK(dq::float_to_half(65519.0f) == 0x7bff);
    CHECK(dq::float_to_half(65520.0f) == 0x7c00);   // the tie above the max rounds to infinity
    CHECK(dq::float_to_half(-1e30f) == 0xfc00);
    CHECK(dq::float_to_half(std::numeric_limits<float>::infinity()) == 0x7c00);
    CHECK((dq::float_to_half(std::nanf("")) & 0x7fff) > 0x7c00);
    CHECK(dq::float_to_half(std::ldexp(1.0f, -25)) == 0x0000);   // tie between 0 and 2^-24: even
    CHECK(dq::float_to_half(std::ldexp(1.5f, -25)) == 0x0001);
    CHECK(dq::float_to_half(std::ldexp(3.0f, -25)) == 0x0002);   // tie between 1 and 2 ulps: even
    CHECK(dq::float_to_half(-std::ldexp(1.0f, -26)) == 0x8000);
    CHECK(dq::float_to_half(std::ldexp(1023.5f, -24)) == 0x0400);  // rounds up into the normals
    CHECK(dq::float_to_half(1e-45f) == 0x0000);                   // float subnormal

#ifdef DQ_TEST_F16C
    if (__builtin_cpu_supports("f16c")) {
        // A sweep of float bit patterns (all exponents, many mantissas) against the hardware.
        for (uint64_t u = 0; u <= 0xffffffffull; u += 4093) {
            const float f = bits_float(uint32_t(u));
            const uint16_t mine = dq::float_to_half(f), hw = hw_float_to_half(f);
            if (std::isnan(f)) {
                REQUIRE((mine & 0x7c00) == 0x7c00);
                REQUIRE((mine & 0x3ff) != 0);
                continue;
            }
            INFO("float bits 0x" << std::hex << u);
            REQUIRE(mine == hw);
        }
        for (uint32_t h = 0; h < 0x10000; ++h) {
            const float a = dq::half_to_float(uint16_t(h)), b = hw_half_to_float(uint16_t(h));
            REQUIRE((std::isnan(a) ? std::isnan(b) : float_bits(a) == float_bits(b)));
        }
    }
#endif
}

TEST_CASE("weight type names", "[format]") {
    CHECK(std::string(dq::to_string(dq::WeightType::int8)) == "int8");
    CHECK(std::string(dq::to_string(dq::WeightType::int4)) == "int4");
    for (auto t : {dq::WeightType::f32, dq::WeightType::f16, dq::WeightType::int8, dq::WeightType::int4})
        CHECK(dq::parse_weight_type(dq::to_string(t)) == t);
    CHECK_THROWS_WITH(dq::parse_weight_type("fp16"), Contains("\"fp16\"") && Contains("f32, f16, int8 or int4"));
    CHECK_THROWS_WITH(dq::parse_weight_type("int2"), Contains("\"int2\""));
}

TEST_CASE("Model::validate names the broken invariant", "[format]") {
    const dq::Model good = fmttest::small_model();
    REQUIRE_NOTHROW(good.validate());
    auto err = [](const dq::Model& m) { return error_of([&] { m.validate(); }); };
    dq::Model m = good;
    m.layers[1].in = 7;
    CHECK_THAT(err(m), Contains("layer 1: input width 7, but the previous layer outputs 8"));
    m = good;
    m.layers[0].weight[21] = std::nanf("");
    CHECK_THAT(err(m), Contains("layer 0: weight[21] (row 1, col 5) is nan"));
    m = good;
    m.codebooks[5] = std::numeric_limits<float>::infinity();
    CHECK_THAT(err(m), Contains("codebook value 5 (m=0, k=2) is inf"));
    m = good;
    m.K = 64;
    CHECK_THAT(err(m), Contains("K is 64, must be 16 or 256"));
    m = good;
    m.dsub = 3;
    CHECK_THAT(err(m), Contains("the last layer outputs 4 values, but M*dsub = 2*3 = 6"));
    m = good;
    m.codebooks.pop_back();
    CHECK_THAT(err(m), Contains("63 codebook values, expected M*K*dsub = 2*16*2"));
    m = good;
    m.layers.clear();
    CHECK_THAT(err(m), Contains("no layers"));
    m = good;
    m.input.width = 5;
    CHECK_THAT(err(m), Contains("layer 0: input width 16, but the input dim is 20"));
    m = good;
    m.input.scale = 0;
    CHECK_THAT(err(m), Contains("input scale 0 must be finite and > 0"));
    m = good;
    m.layers[0].bias.push_back(0);
    CHECK_THAT(err(m), Contains("layer 0: 9 biases, expected 8"));
    m = good;
    m.input.height = 2048;
    m.input.width = 2048;
    CHECK_THAT(err(m), Contains("input dim 2048x2048x1 = 4194304 exceeds 1048576"));
}

TEST_CASE("Database::validate names the inconsistent size", "[format]") {
    const dq::Model model = fmttest::small_model();
    const dq::Database good = fmttest::make_database(model, 5, true);
    REQUIRE_NOTHROW(good.validate());
    auto err = [](const dq::Database& d) { return error_of([&] { d.validate(); }); };
    dq::Database d = good;
    d.codes.pop_back();
    CHECK_THAT(err(d), Contains("9 code bytes, expected N*M = 5*2"));
    d = good;
    d.codes[7] = 16;
    CHECK_THAT(err(d), Contains("item 3, subspace 1: code 16 is not below K=16"));
    d = good;
    d.labels.pop_back();
    CHECK_THAT(err(d), Contains("4 labels for 5 items"));
    d = good;
    d.thumb_width = 0;
    CHECK_THAT(err(d), Contains("thumbnail shape 2x0x1"));
    d = good;
    d.thumbnails.push_back(1);
    CHECK_THAT(err(d), Contains("31 thumbnail bytes, expected N*2x3x1 = 5*6"));
    d = good;
    d.strings[2] = "bad \xff utf8";
    CHECK_THAT(err(d), Contains("string 2 is not valid UTF-8 (byte 4 of 10)"));
    d = good;
    d.strings[2] = "\xed\xa0\x80";  // a UTF-16 surrogate encoded as UTF-8 (CESU), not valid UTF-8
    CHECK_THAT(err(d), Contains("string 2 is not valid UTF-8 (byte 0 of 3)"));
    d = good;
    d.M = 0;
    CHECK_THAT(err(d), Contains("M is 0"));
    d = good;
    d.K = 256;
    d.codes[7] = 200;
    CHECK(err(d) == "NO ERROR");
}

TEST_CASE("model round trip: f32 byte-identical, f16 and int8 within their error bounds", "[format]") {
    const dq::Model m = fmttest::make_model({12, 8}, 2, 256, 3, 11, 5, 3);
    const std::vector<uint8_t> b = dq::write_model(m);
    CHECK(std::memcmp(b.data(), "\x89" "DQM\r\n\x1a\n", 8) == 0);
    CHECK(b.size() == ld64(&b[kOffFileSize]));
    const dq::Model r = dq::read_model(b.data(), b.size());
    CHECK(r.input.height == 5);
    CHECK(r.input.width == 3);
    CHECK(r.input.channels == 1);
    CHECK(r.input.scale == m.input.scale);
    CHECK(r.M == 2);
    CHECK(r.K == 256);
    CHECK(r.dsub == 3);
    CHECK(r.weight_type == dq::WeightType::f32);
    CHECK(r.meta_json == m.meta_json);
    REQUIRE(r.layers.size() == 3);
    for (size_t l = 0; l < 3; ++l) {
        CHECK(r.layers[l].in == m.layers[l].in);
        CHECK(r.layers[l].out == m.layers[l].out);
        CHECK(r.layers[l].act == m.layers[l].act);
        CHECK(r.layers[l].weight == m.layers[l].weight);
        CHECK(r.layers[l].bias == m.layers[l].bias);
    }
    CHECK(r.layers[2].act == dq::Activation::linear);
    CHECK(r.codebooks == m.codebooks);
    CHECK(dq::codebook_fingerprint(r) == dq::codebook_fingerprint(m));
    CHECK(dq::write_model(r) == b);
    // Every section is 64-aligned in the file (the wasm side views them in place).
    const Container c = parse_container(FileKind::model, b.data(), b.size());
    for (const SectionIn& s : c.sections) CHECK(s.offset % 64 == 0);

    // f16: each weight within half an f16 ulp (relative 2^-11 for normals), and a second round trip
    // is exact because f16 values are exactly representable.
    dq::Model h = m;
    h.weight_type = dq::WeightType::f16;
    const std::vector<uint8_t> hb = dq::write_model(h);
    const dq::Model hr = dq::read_model(hb.data(), hb.size());
    CHECK(hr.weight_type == dq::WeightType::f16);
    CHECK(hb.size() < b.size());
    for (size_t l = 0; l < 3; ++l) {
        CHECK(hr.layers[l].bias == m.layers[l].bias);
        for (size_t i = 0; i < m.layers[l].weight.size(); ++i) {
            const float w = m.layers[l].weight[i], wr = hr.layers[l].weight[i];
            REQUIRE(std::fabs(w - wr) <= std::max(std::fabs(w) * std::ldexp(1.0f, -11), std::ldexp(1.0f, -25)));
        }
    }
    CHECK(hr.codebooks == m.codebooks);
    CHECK(dq::write_model(hr) == hb);

    // int8: |w - w'| <= scale/2 per row, scale = max|w| / 127 (plus the rounding of q * scale).
    dq::Model q = m;
    q.weight_type = dq::WeightType::int8;
    const std::vector<uint8_t> qb = dq::write_model(q);
    const dq::Model qr = dq::read_model(qb.data(), qb.size());
    CHECK(qr.weight_type == dq::WeightType::int8);
    for (size_t l = 0; l < 3; ++l) {
        const dq::DenseLayer& L = m.layers[l];
        for (uint32_t row = 0; row < L.out; ++row) {
            float mx = 0;
            for (uint32_t col = 0; col < L.in; ++col) mx = std::max(mx, std::fabs(L.weight[row * L.in + col]));
            const float scale = mx / 127.0f;
            for (uint32_t col = 0; col < L.in; ++col) {
                const float w = L.weight[row * L.in + col], wr = qr.layers[l].weight[row * L.in + col];
                REQUIRE(std::fabs(w - wr) <= scale * 0.5f * (1 + 1e-6f) + std::fabs(w) * 1e-7f);
            }
        }
        CHECK(qr.layers[l].bias == L.bias);
    }
    CHECK(qr.codebooks == m.codebooks);

    // All-zero rows get scale 0 and read back as zeros.
    dq::Model z = q;
    std::fill(z.layers[0].weight.begin(), z.layers[0].weight.begin() + z.layers[0].in, 0.0f);
    const std::vector<uint8_t> zb = dq::write_model(z);
    const dq::Model zr = dq::read_model(zb.data(), zb.size());
    for (uint32_t col = 0; col < z.layers[0].in; ++col) CHECK(zr.layers[0].weight[col] == 0.0f);
}

TEST_CASE("f16 halves, int8 quarters and int4 eighths the size of a realistic model", "[format]") {
    dq::Model m = fmttest::make_model({64}, 8, 256, 2, 3, 28, 28);
    const size_t f32 = dq::write_model(m).size();
    m.weight_type = dq::WeightType::f16;
    const size_t f16 = dq::write_model(m).size();
    m.weight_type = dq::WeightType::int8;
    const size_t i8 = dq::write_model(m).size();
    m.weight_type = dq::WeightType::int4;
    const size_t i4 = dq::write_model(m).size();
    // 784*64 + 64*16 weights; biases and the 8*256*2 codebooks stay f32.
    const size_t weights = 784 * 64 + 64 * 16, rest = (64 + 16 + 8 * 256 * 2) * 4;
    CHECK(f32 >= weights * 4 + rest);
    CHECK(f16 < weights * 2 + rest + 1024);
    CHECK(i8 < weights + rest + 80 * 4 + 1024);
    // int4: one f32 scale per 32 inputs (25 groups per row of 784, 2 per row of 64).
    CHECK(i4 < weights / 2 + rest + (64 * 25 + 16 * 2) * 4 + 1024);
    CHECK(i4 < i8);
    CHECK(i8 < f16);
    CHECK(f16 < f32);
}

namespace {

// q of one int4 weight as the file stores it (row-major rows of ceil(in/2) bytes, low nibble first).
int int4_at(const uint8_t* w, uint32_t in, uint32_t row, uint32_t col) {
    const int nib = (w[size_t(row) * ((in + 1) / 2) + col / 2] >> (4 * (col % 2))) & 0xf;
    return nib >= 8 ? nib - 16 : nib;
}

}  // namespace

TEST_CASE("int4 weights: packing, groups of 32, error bound, odd widths and strict reading", "[format]") {
    REQUIRE(dq::kInt4Group == 32);
    // 35 inputs (odd, groups of 32 + 3, a padding nibble in every row of W000), then 40 (32 + 8) -> 8 -> 6.
    dq::Model m = fmttest::make_model({40, 8}, 2, 256, 3, 11, 7, 5);
    m.weight_type = dq::WeightType::int4;
    const std::vector<uint8_t> b = dq::write_model(m);
    const dq::Model r = dq::read_model(b.data(), b.size());
    CHECK(r.weight_type == dq::WeightType::int4);
    CHECK(r.codebooks == m.codebooks);
    const Container c = parse_container(FileKind::model, b.data(), b.size());
    const SectionIn* S[3] = {};
    for (const SectionIn& sec : c.sections)
        if ((sec.kind & 0xff) == 'S') S[((sec.kind >> 24) & 0xff) - '0'] = &sec;
    for (const SectionIn& sec : c.sections) {
        if ((sec.kind & 0xff) != 'W') continue;
        const uint32_t l = ((sec.kind >> 24) & 0xff) - '0';
        const dq::DenseLayer& L = m.layers[l];
        const uint32_t groups = (L.in + 31) / 32;
        INFO(sec.name() << ": " << L.in << " -> " << L.out);
        REQUIRE(sec.dtype == uint16_t(DType::u8));
        REQUIRE(sec.ndim == 2);
        CHECK(sec.dims[0] == L.out);
        CHECK(sec.dims[1] == (L.in + 1) / 2);
        REQUIRE(S[l] != nullptr);
        REQUIRE(S[l]->dtype == uint16_t(DType::f32));
        REQUIRE(S[l]->ndim == 2);
        REQUIRE(S[l]->dims[0] == L.out);
        REQUIRE(S[l]->dims[1] == groups);
        for (uint32_t row = 0; row < L.out; ++row) {
            for (uint32_t g = 0; g < groups; ++g) {
                const uint32_t c0 = 32 * g, c1 = std::min(L.in, c0 + 32);
                float mx = 0;
                for (uint32_t col = c0; col < c1; ++col) mx = std::max(mx, std::fabs(L.weight[row * L.in + col]));
                // The stored scale is max|w| / 7 rounded up to a bfloat16 value.
                const float scale = ldf32(S[l]->data + 4 * (size_t(row) * groups + g));
                CHECK((float_bits(scale) & 0xffff) == 0);
                CHECK(scale >= mx / 7.0f);
                CHECK(scale <= mx / 7.0f * (1 + 1.0f / 128));
                for (uint32_t col = c0; col < c1; ++col) {
                    const float w = L.weight[row * L.in + col], wr = r.layers[l].weight[row * L.in + col];
                    // The stored nibble is round(w / scale), in this order, and reads back within scale/2.
                    const int q = int4_at(sec.data, L.in, row, col);
                    REQUIRE(q == int(std::nearbyint(double(w) / double(scale))));
                    REQUIRE(q >= -7);
                    REQUIRE(q <= 7);
                    REQUIRE(wr == float(q) * scale);
                    REQUIRE(std::fabs(w - wr) <= scale * 0.5f * (1 + 1e-6f) + std::fabs(w) * 1e-7f);
                }
            }
            if (L.in % 2) CHECK((sec.data[row * sec.dims[1] + sec.dims[1] - 1] >> 4) == 0);
        }
    }
    for (size_t l = 0; l < 3; ++l) CHECK(r.layers[l].bias == m.layers[l].bias);
    dq::Model m8 = m;
    m8.weight_type = dq::WeightType::int8;
    CHECK(b.size() < dq::write_model(m8).size());

    SECTION("all-zero groups get scale 0 and read back as zeros") {
        dq::Model z = m;
        std::fill(z.layers[0].weight.begin() + 32, z.layers[0].weight.begin() + 35, 0.0f);  // row 0, group 1
        const std::vector<uint8_t> zb = dq::write_model(z);
        const dq::Model zr = dq::read_model(zb.data(), zb.size());
        for (uint32_t col = 32; col < 35; ++col) CHECK(zr.layers[0].weight[col] == 0.0f);
        std::vector<uint8_t> zc = zb;
        CHECK(ldf32(fmttest::payload_of(zc, "S000") + 4) == 0.0f);
    }
    SECTION("a non-zero padding nibble is refused") {
        std::vector<uint8_t> x = b;
        // Row 2 of W000: 18 bytes per row, the padding is the high half of byte 17.
        fmttest::payload_of(x, "W000")[2 * 18 + 17] |= 0x30;
        fmttest::reseal(x);
        CHECK(model_error(x) == "section W000: row 2: padding nibble (high half of byte 17, after input 34) is 0x3, must be 0");
    }
    SECTION("the nibble 0x8 (-8) is refused, in either half of a byte") {
        std::vector<uint8_t> x = b;
        uint8_t* w = fmttest::payload_of(x, "W001");  // 40 inputs: 20 bytes per row
        w[20 + 2] = uint8_t((w[20 + 2] & 0xf0) | 0x8);
        fmttest::reseal(x);
        CHECK(model_error(x) == "section W001: row 1, column 4 holds -8; int4 weights must be in [-7, 7]");
        x = b;
        w = fmttest::payload_of(x, "W002");
        w[0] = uint8_t((w[0] & 0x0f) | 0x80);
        fmttest::reseal(x);
        CHECK(model_error(x) == "section W002: row 0, column 1 holds -8; int4 weights must be in [-7, 7]");
    }
    SECTION("bad scales, shapes and missing scales are refused") {
        std::vector<uint8_t> x = b;
        st32(fmttest::payload_of(x, "S001") + 4 * 3, 0xbf800000u);  // -1 at [1, 1]
        fmttest::reseal(x);
        CHECK(model_error(x) == "section S001: scale[1, 1] is -1, must be finite and >= 0");
        x = b;
        st32(fmttest::payload_of(x, "S000"), 0x7fc00000u);
        fmttest::reseal(x);
        CHECK(model_error(x) == "section S000: scale[0, 0] is nan, must be finite and >= 0");
        // An int8-shaped W000 in an int4 model (one byte per weight), per-row scales.
        CHECK(model_error(fmttest::rebuild(b, FileKind::model, [](std::vector<SectionOut>& s) {
                  for (SectionOut& o : s)
                      if (o.kind == fourcc("W000")) {
                          o.dims = {40, 35};
                          o.bytes.assign(40 * 35, 0);
                      }
              })) == "section W000: dims [40, 35], expected [40, 18]");
        CHECK(model_error(fmttest::rebuild(b, FileKind::model, [](std::vector<SectionOut>& s) {
                  for (SectionOut& o : s)
                      if (o.kind == fourcc("S000")) {
                          o.dims = {40};
                          o.bytes.resize(40 * 4);
                      }
              })) == "section S000: dims [40], expected [40, 2]");
        CHECK(model_error(fmttest::rebuild(b, FileKind::model, [](std::vector<SectionOut>& s) {
                  for (SectionOut& o : s)
                      if (o.kind == fourcc("W000")) o.dtype = DType::i8;
              })) == "section W000: dtype i8, expected u8");
        CHECK(model_error(fmttest::rebuild(b, FileKind::model, [](std::vector<SectionOut>& s) {
                  for (size_t i = 0; i < s.size(); ++i)
                      if (s[i].kind == fourcc("S001")) s.erase(s.begin() + long(i));
              })) == "missing section S001 (scales of int4 layer 1)");
    }
    SECTION("weight type 4 is unknown (as 3 is to a 1.0 reader)") {
        std::vector<uint8_t> x = b;
        st32(fmttest::payload_of(x, "ARCH") + 4 * 7, 4);
        fmttest::reseal(x);
        CHECK(model_error(x) == "section ARCH: unknown weight type 4");
    }
}

TEST_CASE("writers refuse what they cannot store", "[format]") {
    dq::Model m = fmttest::small_model();
    m.weight_type = dq::WeightType::f16;
    m.layers[1].weight[3] = 70000.0f;
    CHECK_THROWS_WITH(dq::write_model(m), Contains("layer 1: weight[3] = 70000 does not fit in f16 (max 65504)"));
    m.layers[1].weight[3] = 65504.0f;
    CHECK_NOTHROW(dq::write_model(m));
    m.layers[1].weight[3] = std::nanf("");
    CHECK_THROWS_AS(dq::write_model(m), dq::Error);
    m = fmttest::small_model();
    m.meta_json = "{\"x\": \"\xc3\"}";
    CHECK_THROWS_WITH(dq::write_model(m), Contains("meta_json is not valid UTF-8 (byte 7 of 10)"));
    dq::Database d = fmttest::make_database(fmttest::small_model(), 3, false);
    d.ids.push_back(9);
    CHECK_THROWS_WITH(dq::write_database(d), Contains("6 code bytes, expected N*M = 4*2"));
}

TEST_CASE("database round trip with and without labels, thumbnails and strings", "[format]") {
    const dq::Model model = fmttest::small_model();
    for (uint32_t n : {0u, 1u, 5u, 37u}) {
        for (bool extras : {false, true}) {
            INFO("n=" << n << " extras=" << extras);
            const dq::Database db = fmttest::make_database(model, n, extras);
            const std::vector<uint8_t> b = dq::write_database(db);
            CHECK(std::memcmp(b.data(), "\x89" "DQB\r\n\x1a\n", 8) == 0);
            const dq::Database r = dq::read_database(b.data(), b.size());
            CHECK(r.M == db.M);
            CHECK(r.K == db.K);
            CHECK(r.model_fingerprint == db.model_fingerprint);
            CHECK(r.codes == db.codes);
            CHECK(r.ids == db.ids);
            CHECK(r.labels == db.labels);
            CHECK(r.thumb_height == db.thumb_height);
            CHECK(r.thumb_width == db.thumb_width);
            CHECK(r.thumb_channels == db.thumb_channels);
            CHECK(r.thumbnails == db.thumbnails);
            CHECK(r.strings == db.strings);
            CHECK(dq::write_database(r) == b);
            CHECK_NOTHROW(dq::check_compatible(model, r));
        }
    }
    // Labels without thumbnails and strings, K = 256 codes.
    const dq::Model m256 = fmttest::make_model({8}, 4, 256, 1, 3);
    dq::Database d = fmttest::make_database(m256, 9, false);
    d.labels.assign(9, -1);
    d.labels[4] = 123456;
    const std::vector<uint8_t> b = dq::write_database(d);
    const dq::Database r = dq::read_database(b.data(), b.size());
    CHECK(r.labels == d.labels);
    CHECK(r.codes == d.codes);
    CHECK(!r.has_thumbnails());
    CHECK(r.strings.empty());
    // The page views LABL directly over the fetched buffer: 64-aligned i32 values.
    const uint8_t* e = fmttest::entry_of(const_cast<std::vector<uint8_t>&>(b), "LABL");
    REQUIRE(e != nullptr);
    CHECK(ld64(e + kEntOffset) % 64 == 0);
    CHECK(int32_t(ld32(&b[ld64(e + kEntOffset) + 16])) == 123456);
}

TEST_CASE("check_compatible refuses a database from another model", "[format]") {
    const dq::Model a = fmttest::small_model(1), b = fmttest::small_model(2);
    const std::vector<uint8_t> bytes = dq::write_database(fmttest::make_database(a, 4, false));
    const dq::Database db = dq::read_database(bytes.data(), bytes.size());
    CHECK_NOTHROW(dq::check_compatible(a, db));
    const std::string fa = dq::strformat("%016llx", (unsigned long long)dq::codebook_fingerprint(a));
    const std::string fb = dq::strformat("%016llx", (unsigned long long)dq::codebook_fingerprint(b));
    REQUIRE(fa != fb);
    CHECK_THROWS_AS(dq::check_compatible(b, db), FormatError);
    CHECK_THROWS_WITH(dq::check_compatible(b, db), Contains("model/database mismatch") && Contains(fa) &&
                                                       Contains(fb) && Contains("M=2, K=16"));
    // Same codebooks but a different M/K claim is refused as well.
    dq::Database other = db;
    other.K = 256;
    CHECK_THROWS_WITH(dq::check_compatible(a, other), Contains("model/database mismatch") && Contains("K=256"));
    // One ulp in one codeword changes the fingerprint.
    dq::Model c = a;
    c.codebooks[0] = std::nextafter(c.codebooks[0], 10.0f);
    CHECK(dq::codebook_fingerprint(c) != dq::codebook_fingerprint(a));
}

TEST_CASE("reader errors name the problem", "[format]") {
    const dq::Model model = fmttest::small_model();
    const std::vector<uint8_t> good = dq::write_model(model);

    SECTION("wrong version, with a valid header CRC") {
        std::vector<uint8_t> b = good;
        CHECK(ld16(&b[kOffVersionMinor]) == dq::kFormatVersionMinor);
        st16(&b[kOffVersionMajor], 3);
        st16(&b[kOffVersionMinor], 0);
        fmttest::reseal(b);
        CHECK(model_error(b) == "unsupported version 3.0 (this reader: 1.x)");
        st16(&b[kOffVersionMajor], 1);
        st16(&b[kOffVersionMinor], 7);  // a newer minor version is still read
        fmttest::reseal(b);
        const dq::Model r = dq::read_model(b.data(), b.size());
        CHECK(r.codebooks == model.codebooks);
    }
    SECTION("wrong magic") {
        const std::string html = "<!DOCTYPE html><html><body>404 Not Found</body></html>";
        std::vector<uint8_t> b(html.begin(), html.end());
        CHECK(model_error(b) ==
              "bad magic: not a DeepQuan model file (got 3c 21 44 4f 43 54 59 50 ...); it looks like an HTML "
              "page (an error or login page served instead of the file?)");
        std::vector<uint8_t> small = {'\n', ' ', '<', 'p', '>'};
        CHECK_THAT(model_error(small), Contains("looks like an HTML page"));
        std::vector<uint8_t> db = dq::write_database(fmttest::make_database(model, 2, false));
        CHECK(model_error(db) == "bad magic: this is a DeepQuan database file (.dqdb), not a model file (.dqm)");
        CHECK(db_error(good) == "bad magic: this is a DeepQuan model file (.dqm), not a database file (.dqdb)");
        std::vector<uint8_t> text = good;
        text.erase(text.begin() + 4);  // "\r\n" -> "\n"
        CHECK_THAT(model_error(text), Contains("line endings were converted"));
        std::vector<uint8_t> zeros(100, 0);
        CHECK(model_error(zeros) == "bad magic: not a DeepQuan model file (got 00 00 00 00 00 00 00 00 ...)");
    }
    SECTION("truncated and oversized files") {
        std::vector<uint8_t> b(good.begin(), good.begin() + 1000);
        CHECK(model_error(b) == dq::strformat("truncated: file is 1000 bytes, header says %zu", good.size()));
        CHECK(model_error(std::vector<uint8_t>(good.begin(), good.begin() + 5)) ==
              "truncated: file is 5 bytes, a DeepQuan model file has at least 64");
        CHECK(model_error({}) == "truncated: file is 0 bytes, a DeepQuan model file has at least 64");
        CHECK(model_error(std::vector<uint8_t>(good.begin(), good.begin() + 40)) ==
              "truncated: file is 40 bytes, the header alone is 64");
        b = good;
        b.push_back(0);
        CHECK(model_error(b) == dq::strformat("trailing data: file is %zu bytes, header says %zu", good.size() + 1,
                                              good.size()));
    }
    SECTION("byte-swapped file") {
        std::vector<uint8_t> b = good;
        for (int i = 0; i < 4; ++i) b[kOffEndian + i] = uint8_t(i + 1);
        CHECK_THAT(model_error(b), Contains("byte-swapped file"));
    }
    SECTION("checksums") {
        std::vector<uint8_t> b = good;
        b[kOffFingerprint] ^= 1;
        CHECK_THAT(model_error(b), Contains("header crc32 mismatch (stored 0x"));
        b = good;
        uint8_t* cb = fmttest::payload_of(b, "CDBK");
        const uint32_t stored = ld32(fmttest::entry_of(b, "CDBK") + kEntCrc);
        cb[3] ^= 0x40;
        const uint32_t computed = dq::crc32(cb, 2 * 16 * 2 * 4);
        CHECK(model_error(b) ==
              dq::strformat("section CDBK: crc32 mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
    }
    SECTION("a section beyond the end of the file") {
        std::vector<uint8_t> b = good;
        uint8_t* e = fmttest::entry_of(b, "CDBK");
        const uint64_t off = ld64(e + kEntOffset);
        st64(e + kEntSize, 280000);
        fmttest::reseal(b);
        CHECK(model_error(b) == dq::strformat("section CDBK: needs 280000 bytes at offset %llu, file has %llu",
                                              (unsigned long long)off, (unsigned long long)(good.size() - off)));
        // Offset + size overflowing u64 is caught by the checked addition, not wrapped around.
        st64(e + kEntSize, ~0ull - 10);
        fmttest::reseal(b);
        CHECK_THAT(model_error(b), Contains("section CDBK: needs 18446744073709551605 bytes"));
        st64(e + kEntSize, 256);
        st64(e + kEntOffset, off + 8);
        fmttest::reseal(b);
        CHECK_THAT(model_error(b), Contains("section CDBK: offset " + std::to_string(off + 8) + " is not a multiple of 64"));
    }
    SECTION("size must match dtype and dims; dims must match the structure") {
        std::vector<uint8_t> b = good;
        uint8_t* e = fmttest::entry_of(b, "CDBK");
        st64(e + kEntDims + 8, 8);  // [2, 8, 2] holds 128 bytes, not 256
        fmttest::reseal(b);
        CHECK(model_error(b) == "section CDBK: size 256 does not match f32 dims [2, 8, 2]");
        b = good;
        e = fmttest::entry_of(b, "W001");
        st64(e + kEntDims, 2);   // [2, 8] -> [2, 16]: same byte count, wrong shape
        st64(e + kEntDims + 8, 16);
        fmttest::reseal(b);
        CHECK(model_error(b) == "section W001: dims [2, 16], expected [4, 8]");
        b = good;
        e = fmttest::entry_of(b, "W000");
        st16(e + kEntDtype, uint16_t(DType::i32));
        fmttest::reseal(b);
        CHECK(model_error(b) == "section W000: dtype i32, expected f32");
    }
    SECTION("absurd structure is refused before allocating") {
        std::vector<uint8_t> b = good;
        uint8_t* arch = fmttest::payload_of(b, "ARCH");
        st32(arch + 4 * (9 + 1), 1u << 30);  // layer 0 output width
        fmttest::reseal(b);
        CHECK(model_error(b) == "section ARCH: layer 0 is 16 -> 1073741824, widths must be in [1, 1048576]");
        b = good;
        arch = fmttest::payload_of(b, "ARCH");
        st32(arch + 4 * 8, 100000);  // layer count
        fmttest::reseal(b);
        CHECK(model_error(b) == "section ARCH: 100000 layers, must be in [1, 256]");
        b = good;
        arch = fmttest::payload_of(b, "ARCH");
        st32(arch + 4 * 5, 17);  // K
        fmttest::reseal(b);
        CHECK(model_error(b) == "section ARCH: K is 17, must be 16 or 256");
        b = good;
        st32(&b[kOffSectionCount], 0xffffffffu);  // checked before the header CRC: no reseal
        CHECK(model_error(b) == "section_count is 4294967295 (limit 4096)");
    }
    SECTION("non-finite values are refused") {
        std::vector<uint8_t> b = good;
        st32(fmttest::payload_of(b, "W001") + 4 * 9, 0x7fc00000u);  // NaN at [1, 1]
        fmttest::reseal(b);
        CHECK(model_error(b) == "invalid model: layer 1: weight[9] (row 1, col 1) is nan, not finite");
        b = good;
        st32(fmttest::payload_of(b, "CDBK"), 0xff800000u);
        fmttest::reseal(b);
        CHECK_THAT(model_error(b), Contains("invalid model: codebook value 0 (m=0, k=0) is -inf"));
        dq::Model q = model;
        q.weight_type = dq::WeightType::int8;
        b = dq::write_model(q);
        st32(fmttest::payload_of(b, "S000") + 8, 0x7f800000u);
        fmttest::reseal(b);
        CHECK(model_error(b) == "section S000: scale[2] is inf, must be finite and >= 0");
        q.weight_type = dq::WeightType::f16;
        b = dq::write_model(q);
        st16(fmttest::payload_of(b, "W000") + 2 * 5, 0x7c00);
        fmttest::reseal(b);
        CHECK(model_error(b) == "invalid model: layer 0: weight[5] (row 0, col 5) is inf, not finite");
    }
    SECTION("a fingerprint that does not match the codebooks") {
        std::vector<uint8_t> b = good;
        st64(&b[kOffFingerprint], 0x1234);
        fmttest::reseal(b);
        CHECK_THAT(model_error(b), Contains("fingerprint mismatch: header says 0000000000001234, the codebooks hash to"));
    }
    SECTION("a non-zero byte in the padding between sections") {
        std::vector<uint8_t> b = good;
        uint8_t* e = fmttest::entry_of(b, "ARCH");
        const uint64_t end = ld64(e + kEntOffset) + ld64(e + kEntSize);
        REQUIRE(end % 64 != 0);
        b[end] = 7;
        CHECK(model_error(b) == dq::strformat("non-zero byte 0x07 at offset %llu, outside every section",
                                              (unsigned long long)end));
    }
    SECTION("overlapping sections") {
        std::vector<uint8_t> b = good;
        const uint64_t off = ld64(fmttest::entry_of(b, "W000") + kEntOffset);
        st64(fmttest::entry_of(b, "B000") + kEntOffset, off);
        fmttest::reseal(b);
        CHECK_THAT(model_error(b), Contains("overlap section"));
    }
}

TEST_CASE("unknown sections: optional ones are skipped, required ones refused", "[format]") {
    const dq::Model model = fmttest::small_model();
    const std::vector<uint8_t> good = dq::write_model(model);
    auto with_extra = [&](uint16_t flags, FileKind kind, const std::vector<uint8_t>& base) {
        return fmttest::rebuild(base, kind, [&](std::vector<SectionOut>& s) {
            SectionOut x;
            x.kind = fourcc("XTRA");
            x.dtype = DType::f32;
            x.flags = flags;
            x.dims = {3};
            x.bytes = {0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64};
            s.insert(s.begin() + 1, x);
            SectionOut y;  // an unknown dtype in an optional section is skipped as well
            y.kind = fourcc("SDCT");
            y.dtype = DType(99);
            y.flags = 0;
            y.bytes = {1, 2, 3};
            s.push_back(y);
        });
    };
    const std::vector<uint8_t> opt = with_extra(0, FileKind::model, good);
    REQUIRE(opt.size() > good.size());
    const dq::Model r = dq::read_model(opt.data(), opt.size());
    CHECK(r.codebooks == model.codebooks);
    CHECK(r.layers[0].weight == model.layers[0].weight);
    CHECK(dq::write_model(r) == good);  // the writer drops what it does not know
    const std::vector<uint8_t> req = with_extra(kFlagRequired, FileKind::model, good);
    CHECK(model_error(req) ==
          "section XTRA: unknown required section in a model file (written by a newer version of DeepQuan?)");

    const std::vector<uint8_t> dgood = dq::write_database(fmttest::make_database(model, 6, true));
    const std::vector<uint8_t> dopt = with_extra(0, FileKind::database, dgood);
    const dq::Database dr = dq::read_database(dopt.data(), dopt.size());
    CHECK(dq::write_database(dr) == dgood);
    CHECK_THAT(db_error(with_extra(kFlagRequired, FileKind::database, dgood)),
               Contains("section XTRA: unknown required section in a database file"));

    // Known sections that do not belong, or are missing.
    auto edit = [&](const std::vector<uint8_t>& base, FileKind kind, std::function<void(std::vector<SectionOut>&)> f) {
        return fmttest::rebuild(base, kind, f);
    };
    CHECK(model_error(edit(good, FileKind::model, [](std::vector<SectionOut>& s) {
              SectionOut x = s.back();
              s.push_back(x);
          })) == "section CDBK appears twice");
    CHECK(model_error(edit(good, FileKind::model, [](std::vector<SectionOut>& s) { s.pop_back(); })) ==
          "missing section CDBK (the codebooks)");
    CHECK(model_error(edit(good, FileKind::model, [](std::vector<SectionOut>& s) {
              SectionOut x = s.back();
              x.kind = fourcc("W007");
              s.push_back(x);
          })) == "section W007: unexpected, the model has 2 layers");
    CHECK(model_error(edit(good, FileKind::model, [](std::vector<SectionOut>& s) {
              SectionOut x = s.back();
              x.kind = fourcc("S000");
              s.push_back(x);
          })) == "section S000: unexpected, scales belong to int8 / int4 weights and this model is f32");
    CHECK(model_error(edit(good, FileKind::model, [](std::vector<SectionOut>& s) {
              for (size_t i = 0; i < s.size(); ++i)
                  if (s[i].kind == fourcc("B001")) s.erase(s.begin() + long(i));
          })) == "missing section B001 (bias of layer 1)");
    // A model without META reads with the default provenance.
    const std::vector<uint8_t> nometa = edit(good, FileKind::model, [](std::vector<SectionOut>& s) {
        for (size_t i = 0; i < s.size(); ++i)
            if (s[i].kind == fourcc("META")) s.erase(s.begin() + long(i));
    });
    CHECK(dq::read_model(nometa.data(), nometa.size()).meta_json == "{}");
    CHECK(db_error(edit(dgood, FileKind::database, [](std::vector<SectionOut>& s) {
              for (size_t i = 0; i < s.size(); ++i)
                  if (s[i].kind == fourcc("THMB")) s.erase(s.begin() + long(i));
          })) == "missing section THMB (HEAD declares 2x3x1 thumbnails)");
}

TEST_CASE("database reader errors", "[format]") {
    const dq::Model model = fmttest::small_model();
    const std::vector<uint8_t> good = dq::write_database(fmttest::make_database(model, 5, true));
    SECTION("a code byte >= K") {
        std::vector<uint8_t> b = good;
        fmttest::payload_of(b, "CODE")[3] = 16;
        fmttest::reseal(b);
        CHECK(db_error(b) == "invalid database: item 1, subspace 1: code 16 is not below K=16");
    }
    SECTION("N in HEAD disagrees with CODE") {
        std::vector<uint8_t> b = good;
        st32(fmttest::payload_of(b, "HEAD"), 6);
        fmttest::reseal(b);
        CHECK(db_error(b) == "section CODE: dims [5, 2], expected [6, 2]");
    }
    SECTION("string offsets out of order or out of range") {
        std::vector<uint8_t> b = good;
        uint8_t* s = fmttest::payload_of(b, "STRS");
        st32(s + 4 * 2, 200);
        fmttest::reseal(b);
        CHECK_THAT(db_error(b), Contains("section STRS: string 1 spans [5, 200), outside the"));
        b = good;
        s = fmttest::payload_of(b, "STRS");
        st32(s + 4 * 2, 2);  // offsets 0, 5, 2, ...: reversed
        fmttest::reseal(b);
        CHECK_THAT(db_error(b), Contains("section STRS: string 1 spans [5, 2)"));
        b = good;
        s = fmttest::payload_of(b, "STRS");
        st32(s + 4 * 5, 1);
        fmttest::reseal(b);
        CHECK_THAT(db_error(b), Contains("section STRS: offsets[5] is 1, expected the blob size"));
        b = good;
        s = fmttest::payload_of(b, "STRS");
        s[4 * 6 + 5] = 0xc3;  // a lone lead byte inside string 2
        fmttest::reseal(b);
        CHECK_THAT(db_error(b), Contains("invalid database: string 2 is not valid UTF-8"));
    }
}

TEST_CASE("label names (LNAM) round-trip, are optional and are checked", "[format]") {
    const dq::Model model = fmttest::small_model();
    dq::Database db = fmttest::make_database(model, 7, true);   // labels -1, 0, 1, 2
    const std::vector<uint8_t> plain = dq::write_database(db);
    db.label_names = {"animals", "", "gr\xc3\xbc\xc3\x9f" "e"};
    const std::vector<uint8_t> b = dq::write_database(db);
    const dq::Database r = dq::read_database(b.data(), b.size());
    CHECK(r.label_names == db.label_names);
    CHECK(r.labels == db.labels);
    CHECK(dq::write_database(r) == b);
    // Optional: a reader that did not know it would skip it, as the rest of the file is unchanged.
    const uint8_t* e = fmttest::entry_of(const_cast<std::vector<uint8_t>&>(b), "LNAM");
    REQUIRE(e != nullptr);
    CHECK((ld16(e + kEntFlags) & kFlagRequired) == 0);
    const std::vector<uint8_t> dropped = fmttest::rebuild(b, FileKind::database, [](std::vector<SectionOut>& s) {
        for (size_t i = 0; i < s.size(); ++i)
            if (s[i].kind == fourcc("LNAM")) s.erase(s.begin() + long(i));
    });
    CHECK(dropped == plain);
    // Layout: count, offsets, blob.
    const uint8_t* p = fmttest::payload_of(const_cast<std::vector<uint8_t>&>(b), "LNAM");
    CHECK(ld32(p) == 3);
    CHECK(ld32(p + 4) == 0);
    CHECK(ld32(p + 8) == 7);
    CHECK(ld32(p + 12) == 7);
    CHECK(ld32(p + 16) == 14);
    CHECK(std::memcmp(p + 20, "animals", 7) == 0);

    dq::Database bad = db;
    bad.label_names.resize(2);   // label 2 has no name
    CHECK_THAT(error_of([&] { dq::write_database(bad); }), Contains("label 2 has no name (2 label names"));
    bad = db;
    bad.labels.clear();
    CHECK_THAT(error_of([&] { dq::write_database(bad); }), Contains("3 label names but no labels"));
    bad = db;
    bad.label_names[1] = "\xff";
    CHECK_THAT(error_of([&] { dq::write_database(bad); }), Contains("label name 1 is not valid UTF-8"));

    SECTION("corrupt LNAM payloads") {
        auto patched = [&](size_t at, uint32_t v) {
            std::vector<uint8_t> c = b;
            st32(fmttest::payload_of(c, "LNAM") + at, v);
            fmttest::reseal(c);
            return db_error(c);
        };
        CHECK(patched(0, 0) == "section LNAM: 0 label names, must be in [1, 16777216]");
        CHECK_THAT(patched(0, 1000), Contains("section LNAM: 34 bytes, the count and offsets of 1000 names alone need 4008"));
        CHECK(patched(0, 0xffffffffu) == "section LNAM: 4294967295 label names, must be in [1, 16777216]");
        CHECK(patched(4, 1) == "section LNAM: offsets[0] is 1, expected 0");
        CHECK(patched(16, 12) == "section LNAM: offsets[3] is 12, expected the blob size 14");
        CHECK_THAT(patched(8, 9), Contains("section LNAM: name 1 spans [9, 7)"));
        CHECK_THAT(patched(8, 99), Contains("section LNAM: name 0 spans [0, 99), outside the 14-byte blob"));
        CHECK_THAT(patched(0, 2), Contains("offsets[2] is 7, expected the blob size"));
    }
}

TEST_CASE("image preprocessing (IMGP) of a model round-trips and old models have none", "[format]") {
    dq::Model m = fmttest::make_model({8}, 2, 16, 2, 5, 4, 4);
    const std::vector<uint8_t> plain = dq::write_model(m);
    CHECK(fmttest::entry_of(const_cast<std::vector<uint8_t>&>(plain), "IMGP") == nullptr);
    CHECK(!dq::read_model(plain.data(), plain.size()).input.from_image_files);
    m.input.from_image_files = true;
    m.input.background = 0x102030;
    const std::vector<uint8_t> b = dq::write_model(m);
    const dq::Model r = dq::read_model(b.data(), b.size());
    CHECK(r.input.from_image_files);
    CHECK(r.input.background == 0x102030u);
    CHECK(dq::write_model(r) == b);
    uint8_t* e = fmttest::entry_of(const_cast<std::vector<uint8_t>&>(b), "IMGP");
    REQUIRE(e != nullptr);
    CHECK((ld16(e + kEntFlags) & kFlagRequired) == 0);
    const uint8_t* p = fmttest::payload_of(const_cast<std::vector<uint8_t>&>(b), "IMGP");
    CHECK(ld32(p) == 0x102030u);
    CHECK(ld32(p + 4) == 1);
    CHECK(ld32(p + 8) == 1);

    auto patched = [&](size_t at, uint32_t v) {
        std::vector<uint8_t> c = b;
        st32(fmttest::payload_of(c, "IMGP") + at, v);
        fmttest::reseal(c);
        return model_error(c);
    };
    CHECK(patched(0, 0x1000000) == "section IMGP: background 0x1000000 is not a 0xRRGGBB colour");
    CHECK_THAT(patched(4, 2), Contains("section IMGP: unknown resize rule 2"));
    CHECK_THAT(patched(8, 0), Contains("section IMGP: unknown gray rule 0"));

    dq::Model bad = m;
    bad.input.background = 0x1000000;
    CHECK_THAT(error_of([&] { dq::write_model(bad); }), Contains("background 0x1000000"));
    // Image models are gray or RGB: a 2-channel one cannot come from preprocess_rgba().
    bad = fmttest::make_model({8}, 2, 16, 2, 5, 2, 4);   // 2x4x1 = 8 inputs, like 2x2x2
    bad.input.height = 2;
    bad.input.width = 2;
    bad.input.channels = 2;
    bad.input.from_image_files = true;
    CHECK_THAT(error_of([&] { dq::write_model(bad); }), Contains("has 2 channels, must be 1 or 3"));
}

TEST_CASE("input standardization (STDZ) of a model round-trips; models without it are unchanged", "[format]") {
    dq::Model m = fmttest::make_model({8}, 2, 16, 2, 5, 4, 4);
    const std::vector<uint8_t> plain = dq::write_model(m);
    CHECK(fmttest::entry_of(const_cast<std::vector<uint8_t>&>(plain), "STDZ") == nullptr);
    CHECK(!dq::read_model(plain.data(), plain.size()).input.standardized());
    for (uint32_t i = 0; i < 16; ++i) {
        m.input.mean.push_back(1000.0f + 0.25f * float(i));
        m.input.inv_std.push_back(i == 7 ? 1.0f : 1.0f / (50.0f + float(i)));
    }
    m.input.scale = 1.0f;
    const std::vector<uint8_t> b = dq::write_model(m);
    const dq::Model r = dq::read_model(b.data(), b.size());
    REQUIRE(r.input.standardized());
    CHECK(r.input.mean == m.input.mean);
    CHECK(r.input.inv_std == m.input.inv_std);
    CHECK(dq::write_model(r) == b);
    CHECK(b.size() == plain.size() + 64 + 128);   // one table entry and 2 × 16 floats
    // Flagged required: a reader that does not know it refuses the model instead of encoding wrongly.
    uint8_t* e = fmttest::entry_of(const_cast<std::vector<uint8_t>&>(b), "STDZ");
    REQUIRE(e != nullptr);
    CHECK((ld16(e + kEntFlags) & kFlagRequired) != 0);
    const uint8_t* p = fmttest::payload_of(const_cast<std::vector<uint8_t>&>(b), "STDZ");
    CHECK(ldf32(p) == 1000.0f);
    CHECK(ldf32(p + 4 * 16) == 1.0f / 50.0f);
    // The other weight types carry it too.
    for (const auto wt : {dq::WeightType::f16, dq::WeightType::int8, dq::WeightType::int4}) {
        dq::Model q = m;
        q.weight_type = wt;
        const std::vector<uint8_t> qb = dq::write_model(q);
        CHECK(dq::read_model(qb.data(), qb.size()).input.inv_std == m.input.inv_std);
    }

    auto patched = [&](size_t at, float v) {
        std::vector<uint8_t> c = b;
        st32(fmttest::payload_of(c, "STDZ") + at, f32_bits(v));
        fmttest::reseal(c);
        return model_error(c);
    };
    CHECK(patched(4 * 2, std::nanf("")) == "section STDZ: mean[2] is nan, must be finite");
    CHECK(patched(4 * 16, 0.0f) == "section STDZ: scale[0] is 0, must be finite and > 0");
    CHECK(patched(4 * 31, -2.0f) == "section STDZ: scale[15] is -2, must be finite and > 0");
    CHECK(patched(4 * 20, INFINITY) == "section STDZ: scale[4] is inf, must be finite and > 0");
    {
        // Wrong shape with the right byte count: [4, 8] for a 16-input model.
        std::vector<uint8_t> c = b;
        st64(fmttest::entry_of(c, "STDZ") + kEntDims, 4);
        st64(fmttest::entry_of(c, "STDZ") + kEntDims + 8, 8);
        fmttest::reseal(c);
        CHECK_THAT(model_error(c), Contains("STDZ"));
    }

    auto err = [](const dq::Model& x) { return error_of([&] { dq::write_model(x); }); };
    dq::Model bad = m;
    bad.input.inv_std.pop_back();
    CHECK(err(bad) == "input standardization has 16 means and 15 scales, expected the input dim 16 each");
    bad = m;
    bad.input.mean[4] = INFINITY;
    CHECK(err(bad) == "input standardization: mean[4] is inf, not finite");
    bad = m;
    bad.input.inv_std[9] = 0.0f;
    CHECK(err(bad) == "input standardization: scale[9] is 0, must be finite and > 0");
    bad = m;
    bad.input.from_image_files = true;
    CHECK(err(bad) == "a model of image files cannot also standardize its inputs");
}

// Golden files (tests/data): format v1.0 (golden-v1.0*.dqm, golden-v1.0.dqdb) and v1.1
// (golden-v1.1-int4.dqm, the same model with int4 weights). Every future reader must keep reading
// them with exactly these values. Each was produced once by the hidden "[.generate]" test of its
// version and committed; never regenerate them for a new format version: add new golden files next
// to them instead.
#include <catch2/catch.hpp>

#include <cmath>

#include "dq/error.h"
#include "dq/format.h"
#include "test_format_util.h"

// Facts about the committed files (sizes; CRC-32 and fingerprint also checked with Python zlib).
#define GOLDEN_F32_SIZE 1728
#define GOLDEN_F32_CRC 0xb3c5c39cu
#define GOLDEN_F16_SIZE 1408
#define GOLDEN_F16_CRC 0xfa1292e4u
#define GOLDEN_I8_SIZE 1536
#define GOLDEN_I8_CRC 0xc967538eu
#define GOLDEN_I4_SIZE 1472
#define GOLDEN_I4_CRC 0xc0de8b30u
#define GOLDEN_DB_SIZE 806
#define GOLDEN_DB_CRC 0xacca10c5u
#define GOLDEN_FINGERPRINT 0x70ac680bae9e2ac5ull

namespace {

const std::string kDir = std::string(DQ_SOURCE_DIR) + "/tests/data/";

// Dyadic values with few significant bits, so that f32 and f16 hold them exactly.
float w0(uint32_t i) { return float(int(i * 37 % 61) - 30) / 32.0f; }
float w1(uint32_t i) { return float(int(i * 29 % 53) - 26) / 16.0f; }
float b0(uint32_t j) { return (float(j) - 4.0f) / 8.0f; }
float b1(uint32_t j) { return float(j) / 4.0f - 0.375f; }
float cb(uint32_t t) { return float(int(t * 13 % 64) - 32) / 8.0f; }

const char* kMeta = "{\"format\": \"golden-v1.0\", \"seed\": 0, \"note\": \"readers must keep reading this file\"}";

// 4x4x1 input, 16 -> 8 (relu) -> 4 (linear), M = 2, K = 16, dsub = 2.
dq::Model golden_model(dq::WeightType wt) {
    dq::Model m;
    m.input.height = 4;
    m.input.width = 4;
    m.input.channels = 1;
    m.input.scale = 1.0f / 255.0f;
    dq::DenseLayer a, b;
    a.in = 16, a.out = 8, a.act = dq::Activation::relu;
    for (uint32_t i = 0; i < 128; ++i) a.weight.push_back(w0(i));
    for (uint32_t j = 0; j < 8; ++j) a.bias.push_back(b0(j));
    b.in = 8, b.out = 4, b.act = dq::Activation::linear;
    for (uint32_t i = 0; i < 32; ++i) b.weight.push_back(w1(i));
    for (uint32_t j = 0; j < 4; ++j) b.bias.push_back(b1(j));
    m.layers = {a, b};
    m.M = 2;
    m.K = 16;
    m.dsub = 2;
    for (uint32_t t = 0; t < 64; ++t) m.codebooks.push_back(cb(t));
    m.weight_type = wt;
    m.meta_json = kMeta;
    return m;
}

dq::Database golden_database() {
    dq::Database db;
    db.M = 2;
    db.K = 16;
    db.model_fingerprint = dq::codebook_fingerprint(golden_model(dq::WeightType::f32));
    db.codes = {0, 15, 3, 7, 12, 1, 9, 9};
    db.ids = {7, 11, 13, 4000000000u};
    db.labels = {0, 1, -1, 2};
    db.thumb_height = 2;
    db.thumb_width = 2;
    db.thumb_channels = 1;
    for (uint32_t i = 0; i < 16; ++i) db.thumbnails.push_back(uint8_t(i * 17));
    db.strings = {"zero.png", "", "gr\xc3\xbc\xc3\x9f" "e", "\xe2\x82\xac"};
    return db;
}

const char* model_file(dq::WeightType wt) {
    switch (wt) {
        case dq::WeightType::f32: return "golden-v1.0.dqm";
        case dq::WeightType::f16: return "golden-v1.0-f16.dqm";
        case dq::WeightType::int8: return "golden-v1.0-int8.dqm";
        case dq::WeightType::int4: return "golden-v1.1-int4.dqm";
    }
    return "?";
}

// What today's writer makes, with the version field set back to `minor` (and the header CRC
// re-sealed): a 1.x writer must reproduce every older golden file but for that field.
std::vector<uint8_t> as_version(std::vector<uint8_t> b, uint16_t minor) {
    dq::fmt::st16(&b[dq::fmt::kOffVersionMinor], minor);
    fmttest::reseal(b);
    return b;
}

}  // namespace

// v1.0 files came from the 1.0 writer; a 1.1 writer can only make the v1.1 one.
TEST_CASE("generate the v1.1 golden file (run by hand only)", "[.generate]") {
    REQUIRE(dq::kFormatVersionMinor == 1);
    REQUIRE(fmttest::write_file(kDir + model_file(dq::WeightType::int4), dq::write_model(golden_model(dq::WeightType::int4))));
}

TEST_CASE("golden v1.0 model files read back with their values", "[format][golden]") {
    // Whole-file CRCs pin the committed bytes: a changed golden file is a broken promise.
    const struct {
        dq::WeightType wt;
        uint16_t minor;
        size_t size;
        uint32_t crc;
    } files[] = {{dq::WeightType::f32, 0, GOLDEN_F32_SIZE, GOLDEN_F32_CRC},
                 {dq::WeightType::f16, 0, GOLDEN_F16_SIZE, GOLDEN_F16_CRC},
                 {dq::WeightType::int8, 0, GOLDEN_I8_SIZE, GOLDEN_I8_CRC},
                 {dq::WeightType::int4, 1, GOLDEN_I4_SIZE, GOLDEN_I4_CRC}};
    for (const auto& f : files) {
        INFO(model_file(f.wt));
        const std::vector<uint8_t> b = fmttest::read_file(kDir + model_file(f.wt));
        REQUIRE(b.size() == f.size);
        CHECK(dq::crc32(b.data(), b.size()) == f.crc);
        CHECK(dq::fmt::ld16(&b[dq::fmt::kOffVersionMajor]) == 1);
        CHECK(dq::fmt::ld16(&b[dq::fmt::kOffVersionMinor]) == f.minor);
        const dq::Model m = dq::read_model(b.data(), b.size());
        CHECK(m.weight_type == f.wt);
        CHECK(m.input.height == 4);
        CHECK(m.input.width == 4);
        CHECK(m.input.channels == 1);
        CHECK(m.input.scale == 1.0f / 255.0f);
        CHECK(!m.input.from_image_files);   // no IMGP: pixels go in as they are
        CHECK(m.M == 2);
        CHECK(m.K == 16);
        CHECK(m.dsub == 2);
        CHECK(m.meta_json == kMeta);
        REQUIRE(m.layers.size() == 2);
        CHECK(m.layers[0].in == 16);
        CHECK(m.layers[0].out == 8);
        CHECK(m.layers[0].act == dq::Activation::relu);
        CHECK(m.layers[1].in == 8);
        CHECK(m.layers[1].out == 4);
        CHECK(m.layers[1].act == dq::Activation::linear);
        // Literal spot values, then the whole arrays against their formulas.
        CHECK(m.layers[0].bias[0] == -0.5f);
        CHECK(m.layers[1].bias[3] == 0.375f);
        CHECK(m.codebooks[1] == -2.375f);
        CHECK(m.codebooks[63] == 2.375f);    // (819 % 64 - 32) / 8 = 19/8
        for (uint32_t j = 0; j < 8; ++j) CHECK(m.layers[0].bias[j] == b0(j));
        for (uint32_t j = 0; j < 4; ++j) CHECK(m.layers[1].bias[j] == b1(j));
        for (uint32_t t = 0; t < 64; ++t) CHECK(m.codebooks[t] == cb(t));
        CHECK(dq::codebook_fingerprint(m) == GOLDEN_FINGERPRINT);
        if (f.wt == dq::WeightType::f32 || f.wt == dq::WeightType::f16) {
            CHECK(m.layers[0].weight[5] == -0.875f);     // (185 % 61 - 30) / 32 = -28/32
            CHECK(m.layers[1].weight[31] == 1.5625f);    // (899 % 53 - 26) / 16 = 25/16
            for (uint32_t i = 0; i < 128; ++i) CHECK(m.layers[0].weight[i] == w0(i));
            for (uint32_t i = 0; i < 32; ++i) CHECK(m.layers[1].weight[i] == w1(i));
        } else {
            // int4 scales are max|w| / 7 rounded up to bfloat16 (at most 1/128 more).
            const float qmax = f.wt == dq::WeightType::int8 ? 127.0f : 7.0f;
            const float slack = f.wt == dq::WeightType::int8 ? 1 + 1e-6f : 1 + 1.0f / 128;
            // Row 0 of layer 0: max |w| = 30/32. int8: scale = 0.9375 / 127 and -28/32 -> q =
            // round(-118.53) = -119. int4 (one group of 16): scale = 0.9375 / 7 = 0.13393 rounded up
            // to 69/512 = 0.134765625, and q = round(-6.49) = -6.
            if (f.wt == dq::WeightType::int8) CHECK(m.layers[0].weight[5] == float(-119) * (0.9375f / 127.0f));
            else CHECK(m.layers[0].weight[5] == -6 * 0.134765625f);
            for (uint32_t l = 0; l < 2; ++l) {
                const dq::DenseLayer& L = m.layers[l];
                for (uint32_t r = 0; r < L.out; ++r) {
                    float mx = 0;
                    for (uint32_t c = 0; c < L.in; ++c) mx = std::max(mx, std::fabs(l ? w1(r * 8 + c) : w0(r * 16 + c)));
                    for (uint32_t c = 0; c < L.in; ++c) {
                        const float w = l ? w1(r * 8 + c) : w0(r * 16 + c);
                        CHECK(std::fabs(L.weight[r * L.in + c] - w) <= mx / qmax * 0.5f * slack);
                    }
                }
            }
        }
        // Every 1.x writer must still produce exactly these bytes, but for the version field.
        CHECK(as_version(dq::write_model(golden_model(f.wt)), f.minor) == b);
    }
}

TEST_CASE("golden v1.0 database reads back with its values", "[format][golden]") {
    const std::vector<uint8_t> b = fmttest::read_file(kDir + "golden-v1.0.dqdb");
    REQUIRE(b.size() == GOLDEN_DB_SIZE);
    CHECK(dq::crc32(b.data(), b.size()) == GOLDEN_DB_CRC);
    const dq::Database db = dq::read_database(b.data(), b.size());
    CHECK(db.M == 2);
    CHECK(db.K == 16);
    CHECK(db.model_fingerprint == GOLDEN_FINGERPRINT);
    CHECK(db.codes == std::vector<uint8_t>{0, 15, 3, 7, 12, 1, 9, 9});
    CHECK(db.ids == std::vector<uint32_t>{7, 11, 13, 4000000000u});
    CHECK(db.labels == std::vector<int32_t>{0, 1, -1, 2});
    CHECK(db.thumb_height == 2);
    CHECK(db.thumb_width == 2);
    CHECK(db.thumb_channels == 1);
    REQUIRE(db.thumbnails.size() == 16);
    CHECK(db.thumbnails[15] == 255);
    CHECK(db.strings == std::vector<std::string>{"zero.png", "", "gr\xc3\xbc\xc3\x9f" "e", "\xe2\x82\xac"});
    CHECK(db.label_names.empty());   // no LNAM
    // Compatible with all golden models (the weights' dtype does not touch the codebooks).
    for (auto wt : {dq::WeightType::f32, dq::WeightType::f16, dq::WeightType::int8, dq::WeightType::int4}) {
        const std::vector<uint8_t> mb = fmttest::read_file(kDir + model_file(wt));
        CHECK_NOTHROW(dq::check_compatible(dq::read_model(mb.data(), mb.size()), db));
    }
    CHECK(dq::fmt::ld16(&b[dq::fmt::kOffVersionMinor]) == 0);
    CHECK(as_version(dq::write_database(golden_database()), 0) == b);
}

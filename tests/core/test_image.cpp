// Image preprocessing (dq/image.h): hand-computed composites, gray weights and box-filter resizes,
// and a brute-force oracle for the resize. These run in the wasm-tests build too, so the same bytes
// come out natively and in WASM.
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <vector>

#include "dq/error.h"
#include "dq/image.h"
#include "test_support.h"

using Catch::Matchers::Contains;

namespace {

// Opaque RGBA from gray values, row-major.
std::vector<uint8_t> gray_rgba(const std::vector<uint8_t>& g) {
    std::vector<uint8_t> p;
    for (uint8_t v : g) p.insert(p.end(), {v, v, v, 255});
    return p;
}

dq::ImageTarget target(uint32_t h, uint32_t w, uint32_t c, uint32_t bg = 0xffffff) {
    dq::ImageTarget t;
    t.height = h;
    t.width = w;
    t.channels = c;
    t.background = bg;
    return t;
}

std::vector<int> ints(const std::vector<uint8_t>& v) { return std::vector<int>(v.begin(), v.end()); }

// Independent oracle: replicate every source pixel into a t.height × t.width block (a grid of
// sh·th × sw·tw fine pixels), then average each output's sh × sw block of fine pixels; composite and
// luma as the header states, one rounding at the end.
std::vector<uint8_t> oracle(const std::vector<uint8_t>& rgba, uint32_t sh, uint32_t sw, const dq::ImageTarget& t) {
    const uint64_t bg[3] = {(t.background >> 16) & 0xff, (t.background >> 8) & 0xff, t.background & 0xff};
    std::vector<uint8_t> out;
    for (uint32_t oy = 0; oy < t.height; ++oy)
        for (uint32_t ox = 0; ox < t.width; ++ox)
            for (uint32_t k = 0; k < t.channels; ++k) {
                uint64_t sum = 0;
                for (uint64_t fy = uint64_t(oy) * sh; fy < uint64_t(oy + 1) * sh; ++fy)
                    for (uint64_t fx = uint64_t(ox) * sw; fx < uint64_t(ox + 1) * sw; ++fx) {
                        const uint8_t* p = &rgba[((fy / t.height) * sw + fx / t.width) * 4];
                        uint64_t c[3];
                        for (int j = 0; j < 3; ++j) c[j] = p[j] * uint64_t(p[3]) + bg[j] * (255 - p[3]);
                        sum += t.channels == 3 ? c[k] : 299 * c[0] + 587 * c[1] + 114 * c[2];
                    }
                const uint64_t den = uint64_t(sh) * sw * 255 * (t.channels == 1 ? 1000 : 1);
                out.push_back(uint8_t((2 * sum + den) / (2 * den)));
            }
    return out;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const dq::Error& e) {
        return e.what();
    }
    return "NO ERROR";
}

}  // namespace

TEST_CASE("image: 2x2 -> 1x1 is the rounded mean", "[image]") {
    const auto rgba = gray_rgba({0, 100, 200, 255});   // mean 138.75
    CHECK(ints(dq::preprocess_rgba(rgba.data(), 2, 2, target(1, 1, 1))) == std::vector<int>{139});
    CHECK(ints(dq::preprocess_rgba(rgba.data(), 2, 2, target(1, 1, 3))) == std::vector<int>{139, 139, 139});
    // Per channel: R = (10 + 20 + 30 + 41) / 4 = 25.25, G = 2, B = (0 + 0 + 0 + 2) / 4 = 0.5 rounds up.
    const std::vector<uint8_t> rgb = {10, 2, 0, 255, 20, 2, 0, 255, 30, 2, 0, 255, 41, 2, 2, 255};
    CHECK(ints(dq::preprocess_rgba(rgb.data(), 2, 2, target(1, 1, 3))) == std::vector<int>{25, 2, 1});
}

TEST_CASE("image: 3x3 -> 2x2 weighs the shared middle row and column by half", "[image]") {
    // Along each axis output 0 takes source pixels 0 and 1 with weights 2 and 1 (units of 1/2
    // pixel), output 1 takes pixels 1 and 2 with 1 and 2; each output averages over 9 units.
    const auto rgba = gray_rgba({10, 20, 30, 40, 50, 60, 70, 80, 90});
    // (4·10 + 2·20 + 2·40 + 50) / 9 = 23.3; (2·20 + 4·30 + 50 + 2·60) / 9 = 36.7;
    // (2·40 + 50 + 4·70 + 2·80) / 9 = 63.3; (50 + 2·60 + 2·80 + 4·90) / 9 = 76.7.
    CHECK(ints(dq::preprocess_rgba(rgba.data(), 3, 3, target(2, 2, 1))) == std::vector<int>{23, 37, 63, 77});
    // 3 -> 2 columns on one row only: (2·10 + 20) / 3 = 13.3, (20 + 2·30) / 3 = 26.7.
    CHECK(ints(dq::preprocess_rgba(rgba.data(), 1, 3, target(1, 2, 1))) == std::vector<int>{13, 27});
}

TEST_CASE("image: enlarging repeats pixels and blends only at fractional boundaries", "[image]") {
    const auto rgba = gray_rgba({0, 255});
    // 1x2 -> 2x3: output column 1 straddles both source pixels equally (127.5 rounds half up).
    CHECK(ints(dq::preprocess_rgba(rgba.data(), 1, 2, target(2, 3, 1))) == std::vector<int>{0, 128, 255, 0, 128, 255});
    // 1x2 -> 1x4: an integer factor only repeats.
    CHECK(ints(dq::preprocess_rgba(rgba.data(), 1, 2, target(1, 4, 1))) == std::vector<int>{0, 0, 255, 255});
    const auto one = gray_rgba({77});
    CHECK(ints(dq::preprocess_rgba(one.data(), 1, 1, target(3, 2, 1))) == std::vector<int>(6, 77));
}

TEST_CASE("image: alpha is composited over the background", "[image]") {
    const std::vector<uint8_t> red_half = {255, 0, 0, 128};
    // White: R = (255·128 + 255·127) / 255 = 255, G = B = 255·127 / 255 = 127.
    CHECK(ints(dq::preprocess_rgba(red_half.data(), 1, 1, target(1, 1, 3, 0xffffff))) == std::vector<int>{255, 127, 127});
    // Black: R = 255·128 / 255 = 128, G = B = 0.
    CHECK(ints(dq::preprocess_rgba(red_half.data(), 1, 1, target(1, 1, 3, 0x000000))) == std::vector<int>{128, 0, 0});
    // Gray of the composite, not of the colour: (299·255 + 587·127 + 114·127) / 1000 = 165.27 over
    // white, 299·128 / 1000 = 38.27 over black.
    CHECK(ints(dq::preprocess_rgba(red_half.data(), 1, 1, target(1, 1, 1, 0xffffff))) == std::vector<int>{165});
    CHECK(ints(dq::preprocess_rgba(red_half.data(), 1, 1, target(1, 1, 1, 0x000000))) == std::vector<int>{38});
    // Fully transparent: the background alone, whatever the colour; opaque: the colour alone.
    const std::vector<uint8_t> clear = {200, 7, 99, 0}, opaque = {200, 7, 99, 255};
    CHECK(ints(dq::preprocess_rgba(clear.data(), 1, 1, target(1, 1, 3, 0x102030))) == std::vector<int>{16, 32, 48});
    CHECK(ints(dq::preprocess_rgba(opaque.data(), 1, 1, target(1, 1, 3, 0x102030))) == std::vector<int>{200, 7, 99});
    // Alpha is averaged with the colour, not separately: a transparent and an opaque black pixel over
    // white average to (255 + 0) / 2.
    const std::vector<uint8_t> pair = {0, 0, 0, 0, 0, 0, 0, 255};
    CHECK(ints(dq::preprocess_rgba(pair.data(), 1, 2, target(1, 1, 1))) == std::vector<int>{128});
}

TEST_CASE("image: gray uses the BT.601 integer weights 299, 587, 114", "[image]") {
    const std::vector<uint8_t> r = {255, 0, 0, 255}, g = {0, 255, 0, 255}, b = {0, 0, 255, 255};
    CHECK(ints(dq::preprocess_rgba(r.data(), 1, 1, target(1, 1, 1))) == std::vector<int>{76});    // 76.245
    CHECK(ints(dq::preprocess_rgba(g.data(), 1, 1, target(1, 1, 1))) == std::vector<int>{150});   // 149.685
    CHECK(ints(dq::preprocess_rgba(b.data(), 1, 1, target(1, 1, 1))) == std::vector<int>{29});    // 29.07
    // The weights sum to 1000, so any R = G = B comes back unchanged.
    for (int v = 0; v < 256; ++v) {
        const auto p = gray_rgba({uint8_t(v)});
        REQUIRE(dq::preprocess_rgba(p.data(), 1, 1, target(1, 1, 1))[0] == v);
    }
}

TEST_CASE("image: same size is the identity for opaque pixels", "[image]") {
    dqtest::Rng rng(7);
    std::vector<uint8_t> rgba(5 * 7 * 4), rgb;
    for (size_t i = 0; i < rgba.size(); ++i) rgba[i] = i % 4 == 3 ? 255 : uint8_t(rng.next() & 0xff);
    for (size_t i = 0; i < rgba.size(); ++i)
        if (i % 4 != 3) rgb.push_back(rgba[i]);
    CHECK(dq::preprocess_rgba(rgba.data(), 5, 7, target(5, 7, 3)) == rgb);
}

TEST_CASE("image: resize equals the brute-force area average on random images", "[image]") {
    dqtest::Rng rng(19);
    for (int round = 0; round < 60; ++round) {
        const uint32_t sh = 1 + rng.next() % 9, sw = 1 + rng.next() % 9;
        const dq::ImageTarget t = target(1 + rng.next() % 7, 1 + rng.next() % 7, rng.next() % 2 ? 3 : 1,
                                         uint32_t(rng.next() & 0xffffff));
        std::vector<uint8_t> rgba(size_t(sh) * sw * 4);
        for (uint8_t& v : rgba) v = uint8_t(rng.next() & 0xff);
        INFO(sh << "x" << sw << " -> " << t.height << "x" << t.width << "x" << t.channels);
        REQUIRE(dq::preprocess_rgba(rgba.data(), sh, sw, t) == oracle(rgba, sh, sw, t));
    }
}

TEST_CASE("image: bad sizes, channels and backgrounds throw dq::Error", "[image]") {
    const auto p = gray_rgba({1, 2, 3, 4});
    uint8_t out[64];
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 0, 2, target(1, 1, 1), out); }), Contains("image size 0x2"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 0, target(1, 1, 1), out); }), Contains("image size 2x0"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(0, 1, 1), out); }), Contains("target size 0x1"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(1, 0, 1), out); }), Contains("target size 1x0"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(1, 1, 2), out); }), Contains("channels is 2"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(1, 1, 4), out); }), Contains("channels is 4"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(1, 1, 1, 0x1000000), out); }),
               Contains("background 0x1000000"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(nullptr, 2, 2, target(1, 1, 1), out); }), Contains("null"));
    // Sides beyond the limit, and sides within it whose product is too many pixels; the pointer is
    // never read, as the sizes are refused first.
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 16385, 1, target(1, 1, 1), out); }),
               Contains("image size 16385x1"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 16384, 16384, target(1, 1, 1), out); }),
               Contains("more than 67108864 pixels"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 0xffffffffu, 0xffffffffu, target(1, 1, 1), out); }),
               Contains("image size 4294967295x4294967295"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(16384, 16384, 1)); }),
               Contains("target size 16384x16384: more than"));
    CHECK_THAT(error_of([&] { dq::preprocess_rgba(p.data(), 2, 2, target(0xffffffffu, 2, 1)); }),
               Contains("each side must be in [1, 16384]"));
}

TEST_CASE("image: backgrounds parse from white, black and #rrggbb", "[image]") {
    CHECK(dq::parse_background("white") == 0xffffffu);
    CHECK(dq::parse_background("Black") == 0u);
    CHECK(dq::parse_background("#1a2B3c") == 0x1a2b3cu);
    CHECK(dq::format_background(0x1a2b3c) == "#1a2b3c");
    CHECK(dq::parse_background(dq::format_background(0x00ff00)) == 0x00ff00u);
    for (const char* bad : {"", "red", "#12345", "#1234567", "#12345g", "123456", "# 12345"})
        CHECK_THAT(error_of([&] { dq::parse_background(bad); }), Contains("expected white, black or #rrggbb"));
}

// Image preprocessing (dq/image.h): composite, channel conversion and exact area resize, all integer.
#include "dq/image.h"

#include <algorithm>
#include <cctype>

#include "dq/error.h"

namespace dq {

namespace {

// Box-filter weights along one axis of s source and d output pixels, in units of 1/d source pixel:
// output o takes weights[offset[o] + j] of source pixel first[o] + j, j < count[o]; they sum to s.
struct AxisWeights {
    std::vector<uint32_t> first, count, offset;
    std::vector<uint64_t> weights;
};

AxisWeights axis_weights(uint32_t s, uint32_t d) {
    AxisWeights a;
    a.first.resize(d);
    a.count.resize(d);
    a.offset.resize(d);
    for (uint32_t o = 0; o < d; ++o) {
        const uint64_t lo = uint64_t(o) * s, hi = uint64_t(o + 1) * s;   // output interval, 1/d units
        const uint32_t i0 = uint32_t(lo / d), i1 = uint32_t((hi - 1) / d);  // source pixels it touches
        a.first[o] = i0;
        a.count[o] = i1 - i0 + 1;
        a.offset[o] = uint32_t(a.weights.size());
        for (uint32_t i = i0; i <= i1; ++i) {
            const uint64_t plo = uint64_t(i) * d, phi = plo + d;
            a.weights.push_back((phi < hi ? phi : hi) - (plo > lo ? plo : lo));
        }
    }
    return a;
}

constexpr uint64_t kLuma[3] = {299, 587, 114};   // ITU-R BT.601, per mille

}  // namespace

void validate(const ImageTarget& t) {
    DQ_CHECK(t.height >= 1 && t.height <= kMaxImageSide && t.width >= 1 && t.width <= kMaxImageSide,
             "image target size %ux%u: each side must be in [1, %u]", t.height, t.width, kMaxImageSide);
    DQ_CHECK(uint64_t(t.height) * t.width <= kMaxImagePixels, "image target size %ux%u: more than %llu pixels",
             t.height, t.width, (unsigned long long)kMaxImagePixels);
    DQ_CHECK(t.channels == 1 || t.channels == 3, "image target channels is %u, must be 1 or 3", t.channels);
    DQ_CHECK(t.background <= 0xffffff, "image background 0x%x is not a 0xRRGGBB colour", t.background);
}

void preprocess_rgba(const uint8_t* rgba, uint32_t src_height, uint32_t src_width, const ImageTarget& t,
                     uint8_t* out) {
    validate(t);
    DQ_CHECK(rgba != nullptr && out != nullptr, "preprocess_rgba: null pixel pointer");
    DQ_CHECK(src_height >= 1 && src_height <= kMaxImageSide && src_width >= 1 && src_width <= kMaxImageSide,
             "image size %ux%u: each side must be in [1, %u]", src_height, src_width, kMaxImageSide);
    DQ_CHECK(uint64_t(src_height) * src_width <= kMaxImagePixels, "image size %ux%u: more than %llu pixels",
             src_height, src_width, (unsigned long long)kMaxImagePixels);

    const uint32_t C = t.channels;
    const uint64_t bg[3] = {(t.background >> 16) & 0xff, (t.background >> 8) & 0xff, t.background & 0xff};
    const AxisWeights ax = axis_weights(src_width, t.width), ay = axis_weights(src_height, t.height);
    const uint64_t den = uint64_t(src_height) * src_width * 255 * (C == 1 ? 1000 : 1);

    std::vector<uint64_t> value(size_t(src_width) * C);   // one composited source row
    std::vector<uint64_t> hrow(size_t(t.width) * C);       // its horizontal box sums
    std::vector<uint64_t> acc(size_t(t.width) * C);        // one output row being summed
    uint32_t hrow_of = UINT32_MAX;                         // source row hrow holds (rows are reused)
    for (uint32_t oy = 0; oy < t.height; ++oy) {
        std::fill(acc.begin(), acc.end(), 0);
        for (uint32_t j = 0; j < ay.count[oy]; ++j) {
            const uint32_t y = ay.first[oy] + j;
            if (y != hrow_of) {
                const uint8_t* p = rgba + size_t(y) * src_width * 4;
                for (uint32_t x = 0; x < src_width; ++x, p += 4) {
                    const uint64_t a = p[3];
                    uint64_t c[3];
                    for (int k = 0; k < 3; ++k) c[k] = p[k] * a + bg[k] * (255 - a);
                    if (C == 1) value[x] = kLuma[0] * c[0] + kLuma[1] * c[1] + kLuma[2] * c[2];
                    else for (int k = 0; k < 3; ++k) value[size_t(x) * 3 + k] = c[k];
                }
                for (uint32_t ox = 0; ox < t.width; ++ox) {
                    for (uint32_t k = 0; k < C; ++k) {
                        uint64_t s = 0;
                        for (uint32_t i = 0; i < ax.count[ox]; ++i)
                            s += ax.weights[ax.offset[ox] + i] * value[size_t(ax.first[ox] + i) * C + k];
                        hrow[size_t(ox) * C + k] = s;
                    }
                }
                hrow_of = y;
            }
            const uint64_t wy = ay.weights[ay.offset[oy] + j];
            for (size_t i = 0; i < acc.size(); ++i) acc[i] += wy * hrow[i];
        }
        uint8_t* o = out + size_t(oy) * t.width * C;
        for (size_t i = 0; i < acc.size(); ++i) o[i] = uint8_t((2 * acc[i] + den) / (2 * den));
    }
}

std::vector<uint8_t> preprocess_rgba(const uint8_t* rgba, uint32_t src_height, uint32_t src_width,
                                     const ImageTarget& t) {
    validate(t);
    std::vector<uint8_t> out(t.bytes());
    preprocess_rgba(rgba, src_height, src_width, t, out.data());
    return out;
}

uint32_t parse_background(const std::string& text) {
    std::string s;
    for (char c : text) s += char(std::tolower(static_cast<unsigned char>(c)));
    if (s == "white") return 0xffffff;
    if (s == "black") return 0x000000;
    bool hex = s.size() == 7 && s[0] == '#';
    uint32_t v = 0;
    for (size_t i = 1; hex && i < 7; ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') v = v * 16 + uint32_t(c - '0');
        else if (c >= 'a' && c <= 'f') v = v * 16 + uint32_t(c - 'a' + 10);
        else hex = false;
    }
    DQ_CHECK(hex, "background '%s': expected white, black or #rrggbb", text.c_str());
    return v;
}

std::string format_background(uint32_t rgb) { return strformat("#%06x", rgb & 0xffffffu); }

}  // namespace dq

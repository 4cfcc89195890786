// Writes the fuzz seed corpora: one small valid file per format variant the readers accept, so
// libFuzzer starts past the magic checks. usage: dq_fuzz_seeds OUT_DIR GOLDEN_DATA_DIR
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "image_fixtures.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put(const std::string& path, const Bytes& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    if (!f) {
        std::fprintf(stderr, "dq_fuzz_seeds: cannot write %s\n", path.c_str());
        std::exit(1);
    }
}

Bytes slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "dq_fuzz_seeds: cannot read %s\n", path.c_str());
        std::exit(1);
    }
    return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void be32(Bytes& b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}
void le32(Bytes& b, uint32_t v) {
    for (int s = 0; s < 32; s += 8) b.push_back(uint8_t(v >> s));
}
uint32_t bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

Bytes idx(uint8_t type, const std::vector<uint32_t>& dims) {
    Bytes b{0, 0, type, uint8_t(dims.size())};
    size_t n = 1;
    for (uint32_t d : dims) {
        be32(b, d);
        n *= d;
    }
    for (size_t i = 0; i < n; ++i) {
        if (type == 0x0D) be32(b, bits(float(i % 7) / 7.0f));
        else if (type == 0x0C) be32(b, uint32_t(i % 10));
        else b.push_back(uint8_t(i * 37));
    }
    return b;
}

Bytes npy(const std::string& descr, const std::string& shape, size_t count, size_t es, int major = 1) {
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
    const size_t pre = major == 1 ? 10 : 12;
    while ((pre + h.size() + 1) % 64 != 0) h += ' ';
    h += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
    if (major == 1) {
        b.push_back(uint8_t(h.size()));
        b.push_back(uint8_t(h.size() >> 8));
    } else {
        le32(b, uint32_t(h.size()));
    }
    b.insert(b.end(), h.begin(), h.end());
    for (size_t i = 0; i < count; ++i) {
        if (descr == "<f4") {
            le32(b, bits(float(i % 5) / 5.0f));
        } else if (descr == "<f8") {
            double d = double(i % 3) / 3.0;
            uint64_t u;
            std::memcpy(&u, &d, 8);
            for (int s = 0; s < 64; s += 8) b.push_back(uint8_t(u >> s));
        } else {
            for (size_t k = 0; k < es; ++k) b.push_back(k == 0 ? uint8_t(i % 10) : 0);
        }
    }
    return b;
}

Bytes vecs(size_t n, uint32_t d, bool bytes) {
    Bytes b;
    for (size_t i = 0; i < n; ++i) {
        le32(b, d);
        for (uint32_t j = 0; j < d; ++j) {
            if (bytes) b.push_back(uint8_t(i * 31 + j));
            else le32(b, bits(float(j) / float(d)));
        }
    }
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: dq_fuzz_seeds OUT_DIR GOLDEN_DATA_DIR\n");
        return 2;
    }
    const std::string out = argv[1], golden = argv[2];
    ::mkdir(out.c_str(), 0755);
    auto dir = [&](const char* t) {
        std::string d = out + "/" + t;
        ::mkdir(d.c_str(), 0755);
        return d + "/";
    };
    std::string d = dir("fuzz_model");
    for (const char* f : {"golden-v1.0.dqm", "golden-v1.0-f16.dqm", "golden-v1.0-int8.dqm", "golden-v1.1-int4.dqm"})
        put(d + f, slurp(golden + "/" + f));
    put(dir("fuzz_database") + "golden-v1.0.dqdb", slurp(golden + "/golden-v1.0.dqdb"));

    for (const char* t : {"fuzz_idx", "fuzz_idx_gz"}) {
        d = dir(t);
        put(d + "u8-3x4x4.idx", idx(0x08, {3, 4, 4}));
        put(d + "u8-2x2x2x3.idx", idx(0x08, {2, 2, 2, 3}));
        put(d + "f32-2x5.idx", idx(0x0D, {2, 5}));
        put(d + "labels-u8.idx", idx(0x08, {5}));
        put(d + "labels-i32.idx", idx(0x0C, {3}));
    }
    d = dir("fuzz_npy");
    put(d + "u1-3x4x4.npy", npy("|u1", "3, 4, 4", 48, 1));
    put(d + "f4-2x6.npy", npy("<f4", "2, 6", 12, 4));
    put(d + "f8-2x3x3.npy", npy("<f8", "2, 3, 3", 18, 8));
    put(d + "f4-v2-1x2x2x3.npy", npy("<f4", "1, 2, 2, 3", 12, 4, 2));
    put(d + "labels-i8.npy", npy("<i8", "4,", 4, 8));
    put(d + "labels-u1.npy", npy("|u1", "3,", 3, 1));
    d = dir("fuzz_vecs");
    put(d + "3x4.fvecs", vecs(3, 4, false));
    put(d + "3x8.bvecs", vecs(3, 8, true));

    // Every PNG colour type and bit depth the decoder expands, tRNS, interlacing; JPEG in each colour
    // space and coding it takes.
    d = dir("fuzz_png");
    for (int depth : {1, 2, 4, 8}) {
        imgtest::PngSpec s;
        s.color_type = PNG_COLOR_TYPE_PALETTE;
        s.bit_depth = depth;
        s.palette = {{10, 20, 30}, {200, 100, 0}};
        s.palette_alpha = {0};
        s.height = 3;
        s.width = 5;
        for (int i = 0; i < 15; ++i) s.samples.push_back(uint16_t(i % 2));
        put(d + "palette-" + std::to_string(depth) + ".png", imgtest::write_png(s));
    }
    for (int ct : {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA})
        for (int depth : {8, 16}) {
            imgtest::PngSpec s;
            s.color_type = ct;
            s.bit_depth = depth;
            s.height = 4;
            s.width = 3;
            s.interlace = depth == 16;
            for (int i = 0; i < 12 * imgtest::png_channels(ct); ++i) s.samples.push_back(uint16_t(i * 977 % (1 << depth)));
            put(d + "type" + std::to_string(ct) + "-" + std::to_string(depth) + ".png", imgtest::write_png(s));
        }
    d = dir("fuzz_jpeg");
    put(d + "gray.jpg", imgtest::flat_jpeg(8, 8, JCS_GRAYSCALE, {77}));
    put(d + "rgb.jpg", imgtest::flat_jpeg(9, 17, JCS_RGB, {200, 100, 50}));
    put(d + "progressive.jpg", imgtest::flat_jpeg(9, 17, JCS_RGB, {20, 100, 250}, true));
    put(d + "cmyk.jpg", imgtest::flat_jpeg(8, 8, JCS_CMYK, {255, 0, 0, 255}));
    return 0;
}

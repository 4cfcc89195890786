// Test images written with libpng and libjpeg themselves (never hand-assembled bytes), so the decoder
// tests cover what real encoders produce: every PNG colour type and bit depth, tRNS, interlacing,
// gray / RGB / CMYK and progressive JPEG. Header surgery (a 60000×60000 claim) patches a valid file.
#pragma once

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

namespace imgtest {

/// What to write: samples holds h × w × channels values of the colour type (palette indices for
/// PNG_COLOR_TYPE_PALETTE), each < 2^bit_depth; rows are packed by the helper.
struct PngSpec {
    uint32_t height = 1, width = 1;
    int color_type = PNG_COLOR_TYPE_RGB;
    int bit_depth = 8;
    bool interlace = false;
    std::vector<png_color> palette;        ///< PNG_COLOR_TYPE_PALETTE only
    std::vector<uint8_t> palette_alpha;    ///< tRNS of a palette (may be shorter than it)
    bool trns_color = false;               ///< tRNS of a gray / RGB image: this value is transparent
    png_color_16 trns{};
    std::vector<uint16_t> samples;
};

inline int png_channels(int color_type) {
    switch (color_type) {
        case PNG_COLOR_TYPE_GRAY: case PNG_COLOR_TYPE_PALETTE: return 1;
        case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
        case PNG_COLOR_TYPE_RGB: return 3;
        default: return 4;
    }
}

namespace detail {
inline void png_write_to(png_structp png, png_bytep p, size_t n) {
    auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
    out->insert(out->end(), p, p + n);
}
inline void png_flush(png_structp) {}
// libpng longjmps on error; with valid specs that does not happen, and a test bug aborts loudly.
inline bool write_png_c(const PngSpec& s, png_bytepp rows, std::vector<uint8_t>* out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_set_write_fn(png, out, png_write_to, png_flush);
    png_set_IHDR(png, info, s.width, s.height, s.bit_depth, s.color_type,
                 s.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (!s.palette.empty()) png_set_PLTE(png, info, s.palette.data(), int(s.palette.size()));
    if (!s.palette_alpha.empty())
        png_set_tRNS(png, info, s.palette_alpha.data(), int(s.palette_alpha.size()), nullptr);
    if (s.trns_color) png_set_tRNS(png, info, nullptr, 0, const_cast<png_color_16*>(&s.trns));
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return true;
}
}  // namespace detail

inline std::vector<uint8_t> write_png(const PngSpec& s) {
    const int C = png_channels(s.color_type);
    const size_t per_row = size_t(s.width) * C;
    if (s.samples.size() != per_row * s.height) throw std::runtime_error("write_png: wrong sample count");
    const size_t row_bytes = (per_row * s.bit_depth + 7) / 8;
    std::vector<std::vector<uint8_t>> rows(s.height, std::vector<uint8_t>(row_bytes, 0));
    for (uint32_t y = 0; y < s.height; ++y)
        for (size_t i = 0; i < per_row; ++i) {
            const uint16_t v = s.samples[y * per_row + i];
            if (s.bit_depth == 16) {
                rows[y][2 * i] = uint8_t(v >> 8);
                rows[y][2 * i + 1] = uint8_t(v);
            } else if (s.bit_depth == 8) {
                rows[y][i] = uint8_t(v);
            } else {   // MSB first
                const size_t bit = i * s.bit_depth;
                rows[y][bit / 8] |= uint8_t(v << (8 - s.bit_depth - bit % 8));
            }
        }
    std::vector<png_bytep> ptrs;
    for (auto& r : rows) ptrs.push_back(r.data());
    std::vector<uint8_t> out;
    if (!detail::write_png_c(s, ptrs.data(), &out)) throw std::runtime_error("write_png: libpng error");
    return out;
}

/// An RGB8 PNG of h × w pixels with values f(y, x, c).
template <class F>
std::vector<uint8_t> rgb_png(uint32_t h, uint32_t w, F f, bool interlace = false) {
    PngSpec s;
    s.height = h;
    s.width = w;
    s.interlace = interlace;
    for (uint32_t y = 0; y < h; ++y)
        for (uint32_t x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) s.samples.push_back(uint16_t(f(y, x, c) & 0xff));
    return write_png(s);
}

/// Sets width and height in a PNG's IHDR (the first chunk) and fixes its CRC.
inline void patch_png_size(std::vector<uint8_t>& b, uint32_t h, uint32_t w) {
    auto be32 = [&](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (24 - 8 * i));
    };
    be32(16, w);
    be32(20, h);
    be32(29, uint32_t(crc32(0, &b[12], 17)));   // CRC over "IHDR" + 13 data bytes
}

struct JpegSpec {
    uint32_t height = 8, width = 8;
    J_COLOR_SPACE space = JCS_RGB;   ///< JCS_GRAYSCALE (1 value a pixel), JCS_RGB (3), JCS_CMYK (4)
    int quality = 100;
    bool progressive = false;
    std::vector<uint8_t> samples;    ///< h × w × components
};

namespace detail {
struct JpegErr {
    jpeg_error_mgr pub;
    std::jmp_buf jmp;
};
inline void jpeg_fail(j_common_ptr c) { std::longjmp(reinterpret_cast<JpegErr*>(c->err)->jmp, 1); }
inline bool write_jpeg_c(const JpegSpec& s, jpeg_compress_struct* c, JpegErr* e, unsigned char** buf,
                         unsigned long* size) {
    if (setjmp(e->jmp)) return false;
    jpeg_create_compress(c);
    jpeg_mem_dest(c, buf, size);
    c->image_width = s.width;
    c->image_height = s.height;
    c->input_components = s.space == JCS_GRAYSCALE ? 1 : s.space == JCS_CMYK ? 4 : 3;
    c->in_color_space = s.space;
    jpeg_set_defaults(c);   // CMYK input: a CMYK file with Adobe's APP14 marker (inverted convention)
    jpeg_set_quality(c, s.quality, TRUE);
    if (s.progressive) jpeg_simple_progression(c);
    jpeg_start_compress(c, TRUE);
    const size_t stride = size_t(s.width) * c->input_components;
    while (c->next_scanline < c->image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(&s.samples[c->next_scanline * stride]);
        jpeg_write_scanlines(c, &row, 1);
    }
    jpeg_finish_compress(c);
    return true;
}
}  // namespace detail

inline std::vector<uint8_t> write_jpeg(const JpegSpec& s) {
    jpeg_compress_struct c;
    std::memset(&c, 0, sizeof c);
    detail::JpegErr e;
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = detail::jpeg_fail;
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    const bool ok = detail::write_jpeg_c(s, &c, &e, &buf, &size);
    jpeg_destroy_compress(&c);
    std::vector<uint8_t> out;
    if (ok && buf) out.assign(buf, buf + size);
    std::free(buf);
    if (!ok) throw std::runtime_error("write_jpeg: libjpeg error");
    return out;
}

/// A flat-colour JPEG.
inline std::vector<uint8_t> flat_jpeg(uint32_t h, uint32_t w, J_COLOR_SPACE space, std::vector<uint8_t> pixel,
                                      bool progressive = false) {
    JpegSpec s;
    s.height = h;
    s.width = w;
    s.space = space;
    s.progressive = progressive;
    for (uint32_t i = 0; i < h * w; ++i) s.samples.insert(s.samples.end(), pixel.begin(), pixel.end());
    return write_jpeg(s);
}

/// Sets height and width in a JPEG's first SOFn marker.
inline void patch_jpeg_size(std::vector<uint8_t>& b, uint16_t h, uint16_t w) {
    for (size_t i = 2; i + 9 < b.size(); ++i)
        if (b[i] == 0xff && b[i + 1] >= 0xc0 && b[i + 1] <= 0xc2) {
            b[i + 5] = uint8_t(h >> 8);
            b[i + 6] = uint8_t(h);
            b[i + 7] = uint8_t(w >> 8);
            b[i + 8] = uint8_t(w);
            return;
        }
    throw std::runtime_error("patch_jpeg_size: no SOF marker");
}

/// Writes bytes to a file (the directory must exist).
inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + path);
    std::fwrite(b.data(), 1, b.size(), f);
    std::fclose(f);
}

}  // namespace imgtest

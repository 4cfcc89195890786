// PNG -> RGBA through libpng's classic API (contract in image_decode.h).
//
// libpng reports errors by longjmp. The setjmp points live in small functions that hold no C++
// object with a destructor (png_header, png_pixels), so a longjmp never skips one; the C++ caller
// owns every allocation and turns a failed phase into a dq::Error.
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <png.h>

#include "data/image_decode.h"
#include "dq/error.h"
#include "dq/image.h"

namespace dqt {

namespace {

struct PngState {
    const uint8_t* data;
    size_t size;
    size_t pos;
    std::jmp_buf jmp;
    char msg[256];
};

void on_error(png_structp png, png_const_charp msg) {
    auto* s = static_cast<PngState*>(png_get_error_ptr(png));
    std::snprintf(s->msg, sizeof s->msg, "%s", msg);
    std::longjmp(s->jmp, 1);
}

void on_warning(png_structp, png_const_charp) {}   // ancillary problems: libpng carries on, so do we

void on_read(png_structp png, png_bytep out, size_t n) {
    auto* s = static_cast<PngState*>(png_get_io_ptr(png));
    if (n > s->size - s->pos) png_error(png, "truncated: the file ends inside the image");
    std::memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

// Reads up to the image data; false after a libpng error (text in s->msg).
bool png_header(png_structp png, png_infop info, PngState* s, uint32_t* h, uint32_t* w) {
    if (setjmp(s->jmp)) return false;
    png_set_read_fn(png, s, on_read);
    png_read_info(png, info);
    *w = png_get_image_width(png, info);
    *h = png_get_image_height(png, info);
    return true;
}

// Sets up the expansion to 8-bit RGBA and reads every row (all Adam7 passes) into rows.
bool png_pixels(png_structp png, png_infop info, PngState* s, uint32_t w, png_bytepp rows) {
    if (setjmp(s->jmp)) return false;
    png_set_expand(png);                               // palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha
    png_set_scale_16(png);                             // 16 -> 8 bits, rounded
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);    // only where there is no alpha yet
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != size_t(w) * 4 || png_get_bit_depth(png, info) != 8)
        png_error(png, "unexpected layout after expansion to 8-bit RGBA");
    png_read_image(png, rows);
    // No png_read_end: what follows the image data (text, IEND) cannot change the pixels, and a file
    // cut just after them still shows the whole image, as in a browser.
    return true;
}

struct PngGuard {
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~PngGuard() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

}  // namespace

DecodedImage decode_png(const uint8_t* data, size_t size, const std::string& name) {
    PngState s{data, size, 0, {}, {0}};
    PngGuard g;
    g.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
    if (g.png) g.info = png_create_info_struct(g.png);
    if (!g.png || !g.info) throw dq::Error(name + ": PNG: out of memory creating the decoder");
    uint32_t h = 0, w = 0;
    if (!png_header(g.png, g.info, &s, &h, &w)) throw dq::Error(name + ": PNG: " + s.msg);
    // Before any pixel memory exists (libpng itself refuses a zero side in IHDR).
    if (h > dq::kMaxImageSide || w > dq::kMaxImageSide || uint64_t(h) * w > dq::kMaxImagePixels)
        throw dq::Error(dq::strformat("%s: PNG: %ux%u pixels (height x width), more than this decoder accepts "
                                      "(each side <= %u, at most %llu pixels)", name.c_str(), h, w, dq::kMaxImageSide,
                                      (unsigned long long)dq::kMaxImagePixels));
    DecodedImage img;
    img.height = h;
    img.width = w;
    img.rgba.resize(size_t(h) * w * 4);
    std::vector<png_bytep> rows(h);
    for (uint32_t y = 0; y < h; ++y) rows[y] = img.rgba.data() + size_t(y) * w * 4;
    if (!png_pixels(g.png, g.info, &s, w, rows.data())) throw dq::Error(name + ": PNG: " + s.msg);
    return img;
}

}  // namespace dqt

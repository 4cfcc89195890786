// JPEG -> RGBA through libjpeg-turbo's libjpeg API (contract in image_decode.h).
//
// libjpeg reports errors through error_exit, which must not return: it longjmps back into the small
// functions below (jpeg_header, jpeg_pixels), which hold no C++ object with a destructor; the caller
// owns the memory and throws.
#include <csetjmp>
#include <cstdio>
#include <cstring>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h>

#include "data/image_decode.h"
#include "dq/error.h"
#include "dq/image.h"

namespace dqt {

namespace {

constexpr int kMaxScans = 1000;

struct JpegErr {
    jpeg_error_mgr pub;      // first, so libjpeg's err pointer is ours
    std::jmp_buf jmp;
    char msg[JMSG_LENGTH_MAX + 64];
};

[[noreturn]] void fail(j_common_ptr c, const char* prefix) {
    auto* e = reinterpret_cast<JpegErr*>(c->err);
    char text[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, text);
    std::snprintf(e->msg, sizeof e->msg, "%s%s", prefix, text);
    std::longjmp(e->jmp, 1);
}

void on_error_exit(j_common_ptr c) { fail(c, ""); }

// Warnings (-1) are dropped, except the two for image data that ends early (the file, or a scan's
// entropy-coded segment): libjpeg would fill the rest of the image with gray, a silently wrong
// picture, and a few hundred bytes could claim 64 Mi such pixels (a fuzz finding). Trace messages
// (>= 0) are dropped.
void on_emit(j_common_ptr c, int level) {
    if (level != -1) return;
    if (c->err->msg_code == JWRN_JPEG_EOF) fail(c, "truncated: ");
    if (c->err->msg_code == JWRN_HIT_MARKER) fail(c, "corrupt: ");
}

void on_output(j_common_ptr) {}

void on_progress(j_common_ptr c) {
    if (!c->is_decompressor) return;
    auto* d = reinterpret_cast<j_decompress_ptr>(c);
    if (d->input_scan_number > kMaxScans) {
        auto* e = reinterpret_cast<JpegErr*>(c->err);
        std::snprintf(e->msg, sizeof e->msg, "more than %d progressive scans (a corrupt file?)", kMaxScans);
        std::longjmp(e->jmp, 1);
    }
}

// Creates the decompressor and reads the header; sets the output colour space.
bool jpeg_header(jpeg_decompress_struct* d, JpegErr* e, jpeg_progress_mgr* progress, bool* created,
                 const uint8_t* data, size_t size) {
    if (setjmp(e->jmp)) return false;
    jpeg_create_decompress(d);
    *created = true;
    d->progress = progress;
    jpeg_mem_src(d, data, static_cast<unsigned long>(size));
    jpeg_read_header(d, TRUE);
    // CMYK / YCCK come out as CMYK (libjpeg turns YCCK into it) and are converted below.
    d->out_color_space = (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK) ? JCS_CMYK : JCS_EXT_RGBA;
    return true;
}

bool jpeg_pixels(jpeg_decompress_struct* d, JpegErr* e, uint8_t* out, uint32_t h, uint32_t w) {
    if (setjmp(e->jmp)) return false;
    jpeg_start_decompress(d);
    if (d->output_width != w || d->output_height != h || d->output_components != 4) {
        std::snprintf(e->msg, sizeof e->msg, "unexpected output shape %ux%ux%d", d->output_height, d->output_width,
                      d->output_components);
        return false;
    }
    while (d->output_scanline < h) {
        JSAMPROW row = out + size_t(d->output_scanline) * w * 4;
        jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
    return true;
}

// One byte of (a·b) / 255, rounded.
inline uint8_t mul255(unsigned a, unsigned b) { return uint8_t((a * b + 127) / 255); }

}  // namespace

DecodedImage decode_jpeg(const uint8_t* data, size_t size, const std::string& name) {
    jpeg_decompress_struct d;
    std::memset(&d, 0, sizeof d);
    JpegErr e;
    std::memset(&e, 0, sizeof e);
    d.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = on_error_exit;
    e.pub.emit_message = on_emit;
    e.pub.output_message = on_output;
    jpeg_progress_mgr progress;
    std::memset(&progress, 0, sizeof progress);
    progress.progress_monitor = on_progress;
    bool created = false;
    struct Guard {
        jpeg_decompress_struct* d;
        bool* created;
        ~Guard() {
            if (*created) jpeg_destroy_decompress(d);
        }
    } guard{&d, &created};

    if (!jpeg_header(&d, &e, &progress, &created, data, size)) throw dq::Error(name + ": JPEG: " + e.msg);
    const uint32_t h = d.image_height, w = d.image_width;
    if (h == 0 || w == 0 || h > dq::kMaxImageSide || w > dq::kMaxImageSide || uint64_t(h) * w > dq::kMaxImagePixels)
        throw dq::Error(dq::strformat("%s: JPEG: %ux%u pixels (height x width), outside what this decoder accepts "
                                      "(each side in [1, %u], at most %llu pixels)", name.c_str(), h, w,
                                      dq::kMaxImageSide, (unsigned long long)dq::kMaxImagePixels));
    DecodedImage img;
    img.height = h;
    img.width = w;
    img.rgba.resize(size_t(h) * w * 4);
    const bool cmyk = d.out_color_space == JCS_CMYK;
    const bool adobe = d.saw_Adobe_marker;
    if (!jpeg_pixels(&d, &e, img.rgba.data(), h, w)) throw dq::Error(name + ": JPEG: " + e.msg);
    if (cmyk) {
        // Adobe's APP14 files store inverted CMYK (255 = no ink); others store plain ink amounts.
        for (size_t i = 0; i < img.rgba.size(); i += 4) {
            uint8_t* p = &img.rgba[i];
            const unsigned k = adobe ? p[3] : 255u - p[3];
            for (int c = 0; c < 3; ++c) p[c] = mul255(adobe ? p[c] : 255u - p[c], k);
            p[3] = 255;
        }
    }
    return img;
}

}  // namespace dqt

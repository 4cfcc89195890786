// Image preprocessing: dq/image.h's preprocess_rgba for ImageData-like queries (decoded PNG / JPEG
// files, canvases), the arithmetic the trainer runs on decoded image files.
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/image.h"
#include "js_values.h"

namespace dqjs {

namespace {

// rgba (Uint8Array / Uint8ClampedArray of src_height × src_width × 4 straight RGBA bytes) ->
// Uint8Array of height × width × channels, composited over background (0xRRGGBB). The source size
// is checked before the pixels are copied in, so a huge claimed size allocates nothing.
val preprocess_rgba_js(const val& rgba, uint32_t src_height, uint32_t src_width, uint32_t height, uint32_t width,
                       uint32_t channels, uint32_t background) {
    return guarded([&] {
        DQ_CHECK(src_height >= 1 && src_height <= dq::kMaxImageSide && src_width >= 1 && src_width <= dq::kMaxImageSide,
                 "image size %ux%u: each side must be in [1, %u]", src_height, src_width, dq::kMaxImageSide);
        DQ_CHECK(uint64_t(src_height) * src_width <= dq::kMaxImagePixels, "image size %ux%u: more than %llu pixels",
                 src_height, src_width, (unsigned long long)dq::kMaxImagePixels);
        dq::ImageTarget t;
        t.height = height;
        t.width = width;
        t.channels = channels;
        t.background = background;
        dq::validate(t);
        const auto px = copy_in<uint8_t>(rgba, size_t(src_height) * src_width * 4, "image: RGBA bytes");
        const std::vector<uint8_t> out = dq::preprocess_rgba(px.data(), src_height, src_width, t);
        return copy_out(out.data(), out.size());
    });
}

}  // namespace

}  // namespace dqjs

EMSCRIPTEN_BINDINGS(deepquan_image) {
    emscripten::function("preprocessRgba", &dqjs::preprocess_rgba_js);
}

// Shared by fuzz_png and fuzz_jpeg: one decoder entry point on arbitrary bytes must either throw
// dq::Error or return an image within the limits whose every pixel the (instrumented) core can read.
#pragma once

#include <cstdint>
#include <string>

#include "data/image_decode.h"
#include "dq/image.h"
#include "fuzz_util.h"

namespace dqfuzz {

inline void decode_and_preprocess(dqt::DecodedImage (*decode)(const uint8_t*, size_t, const std::string&),
                                  const uint8_t* data, size_t size) {
    dqt::DecodedImage img;
    try {
        img = decode(data, size, "fuzz");
    } catch (const dq::Error&) {
        return;
    }
    DQ_FUZZ_ASSERT(img.height >= 1 && img.width >= 1 && img.height <= dq::kMaxImageSide && img.width <= dq::kMaxImageSide);
    DQ_FUZZ_ASSERT(uint64_t(img.height) * img.width <= dq::kMaxImagePixels);
    DQ_FUZZ_ASSERT(img.rgba.size() == size_t(img.height) * img.width * 4);
    for (uint32_t c : {1u, 3u}) {
        dq::ImageTarget t;
        t.height = 5;
        t.width = 7;
        t.channels = c;
        const std::vector<uint8_t> out = dq::preprocess_rgba(img.rgba.data(), img.height, img.width, t);
        DQ_FUZZ_ASSERT(out.size() == t.bytes());
    }
}

}  // namespace dqfuzz

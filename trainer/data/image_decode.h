// PNG and JPEG files -> straight 8-bit RGBA, the one decoded form dq/image.h preprocesses.
//
// Well-kept libraries, no decoder of our own: libpng (classic API) and libjpeg-turbo (libjpeg API).
// The format is decided by the magic bytes, never by the file name. Every file is untrusted:
//   - dimensions come from the header and are checked against dq::kMaxImageSide and
//     dq::kMaxImagePixels before any pixel memory is allocated (a 60000×60000 header is refused
//     without touching 14 GB);
//   - every libpng / libjpeg error (a longjmp out of the library, never a C++ throw through C
//     frames) becomes a dq::Error naming the file, with the library's own text; warnings are
//     swallowed (no stderr output), except a JPEG whose file or scan data ends early, which is an
//     error ("truncated", "corrupt") rather than an image filled with gray.
// PNG: palette (1/2/4/8-bit, with tRNS), gray 1..16-bit, gray+alpha, RGB(A) 8/16-bit, interlaced;
//   tRNS becomes alpha; 16-bit samples are scaled to 8 bits with rounding (png_set_scale_16).
//   Sample values are taken as stored: gAMA, cHRM, sRGB and iCCP are ignored, as by most decoders.
// JPEG: gray, YCbCr/RGB, baseline or progressive, to RGB; CMYK and YCCK to RGB by the naive
//   formula R = (255 - C)(255 - K) / 255 (on Adobe's inverted values when the APP14 marker says so).
//   At most 1,000 progressive scans (a corrupt file can otherwise loop for minutes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dqt {

/// A decoded image: height × width × 4 bytes R, G, B, A (straight alpha; 255 when the file has none).
struct DecodedImage {
    uint32_t height = 0;
    uint32_t width = 0;
    std::vector<uint8_t> rgba;
};

enum class ImageFormat { unknown, png, jpeg };

/// From the first bytes: the 8-byte PNG signature, or JPEG's FF D8 FF.
ImageFormat sniff_image_format(const uint8_t* data, size_t size);

/// The format of a file from its first bytes (unknown if it cannot be read).
ImageFormat sniff_image_file(const std::string& path);

/// Decodes PNG or JPEG bytes. `name` (usually the path) starts every error message:
/// "NAME: not a PNG or JPEG image", "NAME: PNG: 60000x60000 pixels, more than ...", "NAME: JPEG: ...".
DecodedImage decode_image(const uint8_t* data, size_t size, const std::string& name);

/// The per-format decoders behind decode_image() (png_decode.cpp, jpeg_decode.cpp); the bytes must
/// start with that format's signature.
DecodedImage decode_png(const uint8_t* data, size_t size, const std::string& name);
DecodedImage decode_jpeg(const uint8_t* data, size_t size, const std::string& name);

/// Files larger than this are refused before they are read (no PNG or JPEG within the pixel limits
/// needs more; the uncompressed 64 Mi pixels are 256 MiB).
constexpr uint64_t kMaxImageFileBytes = uint64_t(1) << 30;

/// Reads and decodes a file; errors name `path`.
DecodedImage decode_image_file(const std::string& path);

}  // namespace dqt

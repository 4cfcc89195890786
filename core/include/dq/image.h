// Image preprocessing: decoded 8-bit RGBA -> the u8 pixels a model (or a thumbnail) takes.
//
// One canonical decoded form, straight (un-premultiplied) RGBA, 4 bytes a pixel, row-major: what
// libpng and libjpeg give the trainer after expansion and what a browser canvas's getImageData gives
// the page. From it, in this order and with one rounding at the very end:
//   1. composite over an opaque background colour:   C = c·a + bg·(255 − a)          (units 1/255)
//   2. channels: 3 keeps C_r, C_g, C_b; 1 takes ITU-R BT.601 luma with integer weights
//      Y = 299·C_r + 587·C_g + 114·C_b                                              (units 1/255000)
//   3. resize to H×W by area averaging: the exact box filter. Along an axis of s source and d output
//      pixels, output o covers source interval [o·s/d, (o+1)·s/d); source pixel i weighs the length of
//      its overlap with it, an integer in units of 1/d (so the weights of an output sum to s). This
//      is the same rule for shrinking and for enlarging (enlarging repeats pixels, blending only at
//      fractional boundaries).
//   4. u8 = round-half-up(Σ w_y·w_x·value / (s_h·s_w·255 [·1000 for gray])).
// Everything is integer arithmetic (bounded below 2^54 by the size limits), so the result does not
// depend on summation order, compiler or platform: native and WASM give the same bytes, and a gray
// image (R = G = B) of the output size comes back unchanged for any alpha-free input.
// The model's InputSpec::scale then turns these bytes into floats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dq {

/// Limits on decoded images, checked by every decoder from the header before it allocates, and by
/// preprocess_rgba(): a side above kMaxImageSide or more than kMaxImagePixels pixels is refused.
constexpr uint32_t kMaxImageSide = 16384;
constexpr uint64_t kMaxImagePixels = uint64_t(1) << 26;   ///< 64 Mi pixels = 256 MiB of RGBA

/// What preprocess_rgba() produces.
struct ImageTarget {
    uint32_t height = 32;                ///< output rows, in [1, kMaxImageSide]
    uint32_t width = 32;                 ///< output columns, in [1, kMaxImageSide]
    uint32_t channels = 1;               ///< 1 (BT.601 gray) or 3 (RGB)
    uint32_t background = 0xffffff;      ///< composite colour 0xRRGGBB (white by default)
    size_t bytes() const { return size_t(height) * width * channels; }
};

/// Throws dq::Error naming the field unless the sizes, channels and background are in range
/// (height × width must also be at most kMaxImagePixels).
void validate(const ImageTarget& t);

/// rgba: src_height × src_width × 4 bytes (R, G, B, A; straight alpha), row-major.
/// out:  t.height × t.width × t.channels bytes, row-major, channel last (the model's input layout).
/// Throws dq::Error for a null pointer, a zero or too large source (see kMaxImageSide /
/// kMaxImagePixels) or an invalid target. Memory beyond the output: O(src_width + t.width) words.
void preprocess_rgba(const uint8_t* rgba, uint32_t src_height, uint32_t src_width, const ImageTarget& t,
                     uint8_t* out);

/// The same, returning a fresh vector of t.bytes() bytes.
std::vector<uint8_t> preprocess_rgba(const uint8_t* rgba, uint32_t src_height, uint32_t src_width,
                                     const ImageTarget& t);

/// "white" (0xffffff), "black" (0x000000) or "#rrggbb" (hex, either case) -> 0xRRGGBB. Throws
/// dq::Error quoting the text otherwise.
uint32_t parse_background(const std::string& text);

/// 0xRRGGBB -> "#rrggbb" (lower case), the form parse_background() reads back.
std::string format_background(uint32_t rgb);

}  // namespace dq

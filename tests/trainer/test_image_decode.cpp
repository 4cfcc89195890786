// PNG and JPEG decoding (data/image_decode.h) on files written by libpng and libjpeg: every PNG
// colour type and bit depth, tRNS, interlacing, gray / RGB / CMYK / progressive JPEG, and the bad
// files of real folders (truncated, corrupt, absurd headers, a text file named .png), each with
// its message and nothing on stderr.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <unistd.h>

#include "data/image_decode.h"
#include "dq/error.h"
#include "image_fixtures.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using dqt::DecodedImage;
using imgtest::PngSpec;

namespace {

DecodedImage decode(const std::vector<uint8_t>& b, const std::string& name = "test.png") {
    return dqt::decode_image(b.data(), b.size(), name);
}

std::string error_of(const std::vector<uint8_t>& b, const std::string& name = "dir/bad.png") {
    try {
        dqt::decode_image(b.data(), b.size(), name);
    } catch (const dq::Error& e) {
        return e.what();
    }
    return "NO ERROR";
}

std::vector<int> px(const DecodedImage& d, uint32_t y, uint32_t x) {
    const uint8_t* p = &d.rgba[(size_t(y) * d.width + x) * 4];
    return {p[0], p[1], p[2], p[3]};
}

// Everything written to file descriptor 2 while f runs.
std::string stderr_of(const std::function<void()>& f) {
    std::fflush(stderr);
    char path[] = "/tmp/dq-stderr-XXXXXX";
    const int tmp = mkstemp(path);
    const int saved = dup(2);
    dup2(tmp, 2);
    f();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::string out;
    lseek(tmp, 0, SEEK_SET);
    char buf[256];
    ssize_t n;
    while ((n = read(tmp, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    close(tmp);
    unlink(path);
    return out;
}

PngSpec gray_spec(int depth, std::vector<uint16_t> samples, uint32_t h, uint32_t w) {
    PngSpec s;
    s.color_type = PNG_COLOR_TYPE_GRAY;
    s.bit_depth = depth;
    s.height = h;
    s.width = w;
    s.samples = std::move(samples);
    return s;
}

}  // namespace

TEST_CASE("PNG: format from the magic bytes, gray at every bit depth", "[image][png]") {
    CHECK(dqt::sniff_image_format(nullptr, 0) == dqt::ImageFormat::unknown);
    // 1, 2 and 4 bits scale by 255 / (2^d - 1); 16 bits round (png_set_scale_16).
    const DecodedImage g1 = decode(imgtest::write_png(gray_spec(1, {0, 1, 1, 0, 1, 0, 0, 1, 1}, 1, 9)));
    REQUIRE(g1.height == 1);
    REQUIRE(g1.width == 9);
    CHECK(px(g1, 0, 0) == std::vector<int>{0, 0, 0, 255});
    CHECK(px(g1, 0, 8) == std::vector<int>{255, 255, 255, 255});
    const DecodedImage g2 = decode(imgtest::write_png(gray_spec(2, {0, 1, 2, 3}, 2, 2)));
    CHECK(px(g2, 0, 1) == std::vector<int>{85, 85, 85, 255});
    CHECK(px(g2, 1, 0) == std::vector<int>{170, 170, 170, 255});
    const DecodedImage g4 = decode(imgtest::write_png(gray_spec(4, {5, 15, 0}, 1, 3)));
    CHECK(px(g4, 0, 0) == std::vector<int>{85, 85, 85, 255});
    const DecodedImage g8 = decode(imgtest::write_png(gray_spec(8, {7, 200}, 2, 1)));
    CHECK(px(g8, 1, 0) == std::vector<int>{200, 200, 200, 255});
    const DecodedImage g16 = decode(imgtest::write_png(gray_spec(16, {0x1234, 0x8000, 0xffff, 0x0080}, 1, 4)));
    CHECK(px(g16, 0, 0) == std::vector<int>{18, 18, 18, 255});      // 4660 · 255 / 65535 = 18.1
    CHECK(px(g16, 0, 1) == std::vector<int>{128, 128, 128, 255});   // 127.5 up
    CHECK(px(g16, 0, 2) == std::vector<int>{255, 255, 255, 255});
    CHECK(px(g16, 0, 3) == std::vector<int>{0, 0, 0, 255});         // 0.5 of an 8-bit step: rounds down here
    // A 1×1 image is an image.
    CHECK(decode(imgtest::write_png(gray_spec(8, {9}, 1, 1))).rgba == std::vector<uint8_t>{9, 9, 9, 255});
}

TEST_CASE("PNG: palettes of 1, 2, 4 and 8 bits, with and without tRNS", "[image][png]") {
    for (int depth : {1, 2, 4, 8}) {
        INFO("depth " << depth);
        PngSpec s;
        s.color_type = PNG_COLOR_TYPE_PALETTE;
        s.bit_depth = depth;
        s.palette = {{10, 20, 30}, {200, 100, 0}};
        s.palette_alpha = {0};   // entry 0 transparent, entry 1 opaque (tRNS shorter than PLTE)
        s.height = 3;
        s.width = 5;
        for (int i = 0; i < 15; ++i) s.samples.push_back(uint16_t(i % 3 == 0));
        const DecodedImage d = decode(imgtest::write_png(s));
        CHECK(px(d, 0, 0) == std::vector<int>{200, 100, 0, 255});
        CHECK(px(d, 0, 1) == std::vector<int>{10, 20, 30, 0});
        CHECK(px(d, 2, 4) == std::vector<int>{10, 20, 30, 0});   // i = 14
        s.palette_alpha.clear();
        CHECK(px(decode(imgtest::write_png(s)), 0, 1) == std::vector<int>{10, 20, 30, 255});
    }
}

TEST_CASE("PNG: gray+alpha, RGB with tRNS, 16-bit RGBA, interlaced", "[image][png]") {
    PngSpec ga;
    ga.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
    ga.width = 2;
    ga.samples = {100, 50, 0, 255};
    const DecodedImage a = decode(imgtest::write_png(ga));
    CHECK(px(a, 0, 0) == std::vector<int>{100, 100, 100, 50});
    CHECK(px(a, 0, 1) == std::vector<int>{0, 0, 0, 255});

    PngSpec rgb;
    rgb.width = 2;
    rgb.samples = {1, 2, 3, 4, 5, 6};
    rgb.trns_color = true;
    rgb.trns.red = 4;
    rgb.trns.green = 5;
    rgb.trns.blue = 6;
    const DecodedImage t = decode(imgtest::write_png(rgb));
    CHECK(px(t, 0, 0) == std::vector<int>{1, 2, 3, 255});
    CHECK(px(t, 0, 1) == std::vector<int>{4, 5, 6, 0});

    PngSpec g16 = gray_spec(16, {1000, 65535}, 1, 2);
    g16.trns_color = true;
    g16.trns.gray = 1000;
    CHECK(px(decode(imgtest::write_png(g16)), 0, 0)[3] == 0);

    PngSpec r16;
    r16.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
    r16.bit_depth = 16;
    r16.samples = {0xffff, 0x8000, 0x0000, 0x4000};
    CHECK(px(decode(imgtest::write_png(r16)), 0, 0) == std::vector<int>{255, 128, 0, 64});

    auto f = [](uint32_t y, uint32_t x, int c) { return int(y * 31 + x * 7 + c * 50); };
    const DecodedImage plain = decode(imgtest::rgb_png(13, 11, f)), adam7 = decode(imgtest::rgb_png(13, 11, f, true));
    CHECK(adam7.rgba == plain.rgba);
    CHECK(px(plain, 12, 10) == std::vector<int>{186, 236, 30, 255});   // (372 + 70 + 50 c) mod 256
}

TEST_CASE("PNG: bad files get a message naming the file, nothing on stderr", "[image][png]") {
    const std::vector<uint8_t> good = imgtest::rgb_png(40, 40, [](uint32_t y, uint32_t x, int c) {
        return int((y * 40 + x) * 2654435761u >> (8 * c));   // noise: the IDAT is long
    });
    std::string quiet = stderr_of([&] {
        std::vector<uint8_t> cut(good.begin(), good.begin() + long(good.size() / 2));
        CHECK(error_of(cut) == "dir/bad.png: PNG: truncated: the file ends inside the image");
        std::vector<uint8_t> head(good.begin(), good.begin() + 20);
        CHECK_THAT(error_of(head), StartsWith("dir/bad.png: PNG: truncated"));
        std::vector<uint8_t> flipped = good;
        flipped[good.size() / 2] ^= 0x55;   // inside IDAT: zlib fails before the chunk's CRC is reached
        CHECK_THAT(error_of(flipped), StartsWith("dir/bad.png: PNG: IDAT: "));
        flipped = good;
        flipped[30] ^= 1;   // IHDR's CRC
        CHECK(error_of(flipped) == "dir/bad.png: PNG: IHDR: CRC error");
        std::vector<uint8_t> big = good;
        imgtest::patch_png_size(big, 60000, 60000);
        CHECK(error_of(big) == "dir/bad.png: PNG: 60000x60000 pixels (height x width), more than this decoder "
                               "accepts (each side <= 16384, at most 67108864 pixels)");
        imgtest::patch_png_size(big, 16384, 16384);   // each side allowed, too many pixels
        CHECK_THAT(error_of(big), Contains("16384x16384 pixels"));
        imgtest::patch_png_size(big, 1, 20000);
        CHECK_THAT(error_of(big), Contains("1x20000 pixels"));
        imgtest::patch_png_size(big, 0, 5);
        CHECK_THAT(error_of(big), StartsWith("dir/bad.png: PNG: ") && Contains("IHDR"));   // libpng's own check
    });
    CHECK(quiet.empty());
    const std::string text = "this is not an image\n";
    CHECK(error_of(std::vector<uint8_t>(text.begin(), text.end())) == "dir/bad.png: not a PNG or JPEG image");
    CHECK(error_of({}) == "dir/bad.png: empty file, not a PNG or JPEG image");
    // Only the signature counts: PNG bytes under a .jpg name are a PNG.
    CHECK(decode(good, "photo.jpg").width == 40);
    CHECK_THAT([] {
        try {
            dqt::decode_image_file("/nonexistent/dir/x.png");
        } catch (const dq::Error& e) {
            return std::string(e.what());
        }
        return std::string("NO ERROR");
    }(), StartsWith("/nonexistent/dir/x.png: cannot open"));
}

TEST_CASE("JPEG: gray, RGB, progressive and CMYK decode to RGBA", "[image][jpeg]") {
    auto near = [](const std::vector<int>& got, const std::vector<int>& want) {
        for (size_t i = 0; i < want.size(); ++i)
            if (std::abs(got[i] - want[i]) > 2) return false;
        return true;
    };
    const DecodedImage rgb = decode(imgtest::flat_jpeg(16, 24, JCS_RGB, {200, 100, 50}), "a.jpg");
    REQUIRE(rgb.height == 16);
    REQUIRE(rgb.width == 24);
    CHECK(near(px(rgb, 5, 7), {200, 100, 50, 255}));
    CHECK(px(rgb, 5, 7)[3] == 255);
    const DecodedImage gray = decode(imgtest::flat_jpeg(8, 8, JCS_GRAYSCALE, {77}), "g.jpg");
    CHECK(px(gray, 3, 3) == std::vector<int>{77, 77, 77, 255});

    imgtest::JpegSpec s;
    s.height = 19;
    s.width = 23;
    for (uint32_t i = 0; i < s.height * s.width * 3; ++i) s.samples.push_back(uint8_t(i * 37 % 251));
    const DecodedImage base = decode(imgtest::write_jpeg(s), "b.jpg");
    s.progressive = true;
    const std::vector<uint8_t> prog_bytes = imgtest::write_jpeg(s);
    const DecodedImage prog = decode(prog_bytes, "p.jpg");
    // The same coefficients, coded in several scans: the same pixels.
    CHECK(prog.rgba == base.rgba);

    // Written from CMYK, libjpeg adds Adobe's marker, whose convention is inverted (255 = no ink):
    // stored (255, 0, 0, 255) is cyan-free, full magenta and yellow, no black: red.
    const DecodedImage cmyk = decode(imgtest::flat_jpeg(8, 8, JCS_CMYK, {255, 0, 0, 255}), "c.jpg");
    CHECK(near(px(cmyk, 4, 4), {255, 0, 0, 255}));
    const DecodedImage cmyk2 = decode(imgtest::flat_jpeg(8, 8, JCS_CMYK, {255, 255, 255, 128}), "c.jpg");
    CHECK(near(px(cmyk2, 4, 4), {128, 128, 128, 255}));
}

TEST_CASE("JPEG: bad files get a message naming the file, nothing on stderr", "[image][jpeg]") {
    imgtest::JpegSpec s;
    s.height = 64;
    s.width = 64;
    for (uint32_t i = 0; i < 64 * 64 * 3; ++i) s.samples.push_back(uint8_t(i * 2654435761u >> 13));
    const std::vector<uint8_t> good = imgtest::write_jpeg(s);
    s.progressive = true;
    const std::vector<uint8_t> prog = imgtest::write_jpeg(s);
    std::string quiet = stderr_of([&] {
        for (const auto* g : {&good, &prog}) {
            std::vector<uint8_t> cut(g->begin(), g->begin() + long(g->size() / 2));
            CHECK_THAT(error_of(cut, "x/cut.jpg"), StartsWith("x/cut.jpg: JPEG: truncated: "));
        }
        std::vector<uint8_t> big = good;
        imgtest::patch_jpeg_size(big, 60000, 60000);
        CHECK(error_of(big, "big.jpg") == "big.jpg: JPEG: 60000x60000 pixels (height x width), outside what this "
                                          "decoder accepts (each side in [1, 16384], at most 67108864 pixels)");
        imgtest::patch_jpeg_size(big, 0, 10);
        CHECK_THAT(error_of(big, "zero.jpg"), StartsWith("zero.jpg: JPEG: "));
        const std::vector<uint8_t> magic_only = {0xff, 0xd8, 0xff};
        CHECK_THAT(error_of(magic_only, "m.jpg"), StartsWith("m.jpg: JPEG: "));
        std::vector<uint8_t> junk = {0xff, 0xd8, 0xff, 0xe0};
        for (int i = 0; i < 500; ++i) junk.push_back(uint8_t(i * 97));
        CHECK_THAT(error_of(junk, "j.jpg"), StartsWith("j.jpg: JPEG: "));
    });
    CHECK(quiet.empty());
}

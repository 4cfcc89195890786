// Inputs found by the fuzz targets in tests/fuzz (scripts/fuzz.sh), kept as regression tests.
#include <catch2/catch.hpp>

#include "data/dataset.h"
#include "data/image_decode.h"
#include "dq/error.h"
#include "image_fixtures.h"
#include "io_test_util.h"

using namespace iotest;

namespace {
std::vector<uint8_t> idx_header(std::initializer_list<uint32_t> dims) {
    std::vector<uint8_t> v = {0, 0, 0x08, uint8_t(dims.size())};
    for (uint32_t d : dims) put_be32(v, d);
    return v;
}
}  // namespace

TEST_CASE("fuzz: a gzip IDX header claiming huge images fails as truncated, without allocating them",
          "[data][fuzz-regression]") {
    // fuzz_idx_gz: a 16-byte header for 4096 images of 4096 × 4096 pixels and almost no data. The
    // compressed path cannot compare the header with the file size, and read() used to size its
    // buffer for all 4096 rows at once: 4096 × 2^24 floats = 256 GiB, std::bad_alloc instead of an
    // error naming the file.
    TempDir t;
    std::vector<uint8_t> raw = idx_header({4096, 4096, 4096});
    raw.resize(raw.size() + 1000, 7);
    const std::string path = t / "huge-idx3-ubyte.gz";
    write_bytes(t / "raw-idx3-ubyte", raw);
    REQUIRE(std::system(("gzip -c '" + (t / "raw-idx3-ubyte") + "' > '" + path + "'").c_str()) == 0);
    try {
        dqt::read_images(path);
        FAIL("a truncated file was accepted");
    } catch (const dq::Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("truncated") && Catch::Contains("huge-idx3-ubyte.gz"));
    }
    auto reader = dqt::ImageReader::open(path);
    std::vector<float> x;
    std::vector<uint8_t> px;
    CHECK_THROWS_WITH(reader->read(4096, x, &px), Catch::Contains("truncated"));
    CHECK(x.size() <= (size_t(16) << 20) / sizeof(float) + (size_t(1) << 24));
}

TEST_CASE("fuzz: a small JPEG claiming 64 Mi pixels with a short scan is refused, not filled with gray",
          "[image][fuzz-regression]") {
    // fuzz_jpeg (timeout): 405 bytes, a 9992 × 6408 gray frame whose scan ends after a few bytes at
    // EOI. libjpeg warns ("premature end of data segment") and fills the rest with gray; decoding and
    // preprocessing 64 Mi such pixels took over 20 s under ASan, and the picture was not the file's.
    // The same shape: a real 8 × 8 JPEG whose frame header is patched to claim that size.
    std::vector<uint8_t> b = imgtest::flat_jpeg(8, 8, JCS_GRAYSCALE, {90});
    imgtest::patch_jpeg_size(b, 9992, 6408);
    try {
        dqt::decode_image(b.data(), b.size(), "f.jpg");
        FAIL("no error");
    } catch (const dq::Error& e) {
        CHECK_THAT(e.what(), Catch::Matchers::StartsWith("f.jpg: JPEG: corrupt: "));
    }
}

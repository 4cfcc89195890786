// dq/container.h: the section container for the trainer's own files. A round trip keeps every value
// bit for bit; every flipped byte and every truncation of a small file is a clean FormatError; sections
// are read only as what they are.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "dq/container.h"
#include "dq/error.h"
#include "dq/format.h"

using Catch::Matchers::Contains;

namespace {

std::vector<uint8_t> sample() {
    dq::ContainerWriter w;
    w.u64("STAT", {1, 0xfedcba9876543210ull, 0});
    w.f32("ENCP", {1.5f, -0.0f, std::numeric_limits<float>::denorm_min(), 3e38f});
    w.u32("PERM", {3, 0, 2, 1});
    w.i32("LPIT", {-1, 50, 100});
    w.u8("ZSEN", {0, 1, 1});
    w.f64("TIME", {0.125, 1e-300, 12345.678});
    w.text("KEY_", "seed 0, hidden 500-500-2000");
    w.f32("LJ__", {});
    return w.bytes(dq::StateFile::autoencoder, 0x1122334455667788ull);
}

}  // namespace

TEST_CASE("container: the trainer's files round-trip every value bit for bit", "[container]") {
    const std::vector<uint8_t> b = sample();
    dq::ContainerReader r(dq::StateFile::autoencoder, b.data(), b.size());
    CHECK(r.fingerprint() == 0x1122334455667788ull);
    CHECK(r.u64("STAT") == std::vector<uint64_t>{1, 0xfedcba9876543210ull, 0});
    const std::vector<float> f = r.f32("ENCP");
    REQUIRE(f.size() == 4);
    CHECK(std::signbit(f[1]));
    CHECK(f[2] == std::numeric_limits<float>::denorm_min());
    CHECK(r.u32("PERM") == std::vector<uint32_t>{3, 0, 2, 1});
    CHECK(r.i32("LPIT") == std::vector<int32_t>{-1, 50, 100});
    CHECK(r.u8("ZSEN") == std::vector<uint8_t>{0, 1, 1});
    CHECK(r.f64("TIME") == std::vector<double>{0.125, 1e-300, 12345.678});
    CHECK(r.text("KEY_") == "seed 0, hidden 500-500-2000");
    CHECK(r.f32("LJ__").empty());
    CHECK(r.has("PERM"));
    CHECK_FALSE(r.has("NOPE"));
    CHECK_THROWS_WITH(r.f32("NOPE"), Contains("section NOPE is missing"));
    // Read only as what it is: a u32 array is not floats, a plain u32 array is not u64 pairs.
    CHECK_THROWS_WITH(r.f32("PERM"), Contains("section PERM: u32"));
    CHECK_THROWS_WITH(r.u64("PERM"), Contains("section PERM"));
    CHECK_THROWS(dq::ContainerWriter().f32("TOOLONG", {}));
}

TEST_CASE("container: each kind has its magic, and another DeepQuan file is named as what it is", "[container]") {
    const std::vector<uint8_t> b = sample();
    CHECK_THROWS_WITH(dq::ContainerReader(dq::StateFile::checkpoint, b.data(), b.size()),
                      Contains("this is a DeepQuan pretrained autoencoder file (.ae), not a training checkpoint file "
                               "(.ckpt)"));
    dq::Database db;
    db.M = 1;
    db.K = 256;
    const std::vector<uint8_t> d = dq::write_database(db);
    CHECK_THROWS_WITH(dq::ContainerReader(dq::StateFile::autoencoder, d.data(), d.size()),
                      Contains("this is a DeepQuan database file (.dqdb), not a pretrained autoencoder file (.ae)"));
    CHECK_THROWS_WITH(dq::read_database(b.data(), b.size()),
                      Contains("this is a DeepQuan pretrained autoencoder file (.ae), not a database file (.dqdb)"));
}

TEST_CASE("container: every flipped byte and every truncation is a clean error", "[container]") {
    const std::vector<uint8_t> good = sample();
    for (size_t i = 0; i < good.size(); ++i) {
        std::vector<uint8_t> b = good;
        b[i] ^= 0x20;
        INFO("byte " << i);
        CHECK_THROWS_AS(dq::ContainerReader(dq::StateFile::autoencoder, b.data(), b.size()), dq::FormatError);
    }
    for (size_t n = 0; n < good.size(); ++n) {
        INFO("first " << n << " bytes");
        CHECK_THROWS_AS(dq::ContainerReader(dq::StateFile::autoencoder, good.data(), n), dq::FormatError);
    }
}

// Dataset readers (IDX, .npy, .fvecs/.bvecs; plain and gzip; truncated and corrupt files) and the
// paper split.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include "data/dataset.h"
#include "data/split.h"
#include "data/standardize.h"
#include "dq/error.h"
#include "io_test_util.h"

using iotest::TempDir;
using Catch::Matchers::Contains;

namespace {

std::vector<uint8_t> ramp(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t((i * 37 + 11) % 256);
    return v;
}

}  // namespace

TEST_CASE("IDX images and labels, plain and gzip, with the sibling labels file", "[data]") {
    TempDir dir;
    const auto px = ramp(5 * 3 * 4);
    iotest::write_bytes(dir / "images-idx3-ubyte", iotest::idx3(px, 5, 3, 4));
    iotest::write_bytes(dir / "labels-idx1-ubyte", iotest::idx1({3, 1, 4, 1, 5}));
    iotest::write_bytes(dir / "q-idx3-ubyte.gz", dqt::idx_images_gz(px.data(), 5, 3, 4));
    std::vector<int32_t> lab = {9, 8, 7, 6, 5};
    iotest::write_bytes(dir / "q-idx1-ubyte.gz", dqt::idx_labels_gz(lab.data(), lab.size()));

    dqt::Dataset a = dqt::load_dataset(dir / "images-idx3-ubyte");
    REQUIRE(a.n == 5);
    REQUIRE(a.dim == 12);
    CHECK(a.input.height == 3);
    CHECK(a.input.width == 4);
    CHECK(a.pixels == px);
    CHECK(a.x[7] == float(px[7]) * (1.0f / 255.0f));
    CHECK(a.labels == std::vector<int32_t>{3, 1, 4, 1, 5});

    dqt::Dataset b = dqt::load_dataset(dir / "q-idx3-ubyte.gz");
    CHECK(b.pixels == px);
    CHECK(b.labels == lab);
    CHECK(dqt::sibling_labels_path(dir / "q-idx3-ubyte.gz") == dir / "q-idx1-ubyte.gz");

    // --labels overrides the sibling.
    dqt::Dataset c = dqt::load_dataset(dir / "q-idx3-ubyte.gz", dir / "labels-idx1-ubyte");
    CHECK(c.labels == std::vector<int32_t>{3, 1, 4, 1, 5});
}

TEST_CASE("chunked reads equal one full read", "[data]") {
    TempDir dir;
    const auto px = ramp(37 * 16);
    iotest::write_bytes(dir / "x-idx3-ubyte.gz", dqt::idx_images_gz(px.data(), 37, 4, 4));
    auto r = dqt::ImageReader::open(dir / "x-idx3-ubyte.gz");
    std::vector<float> x, all;
    std::vector<uint8_t> p, allp;
    size_t got;
    while ((got = r->read(10, x, &p)) > 0) {
        all.insert(all.end(), x.begin(), x.end());
        allp.insert(allp.end(), p.begin(), p.end());
    }
    CHECK(r->position() == 37);
    CHECK(allp == px);
    CHECK(all == dqt::read_images(dir / "x-idx3-ubyte.gz").x);
}

TEST_CASE("truncated, oversized and corrupt IDX files are refused with numbers", "[data]") {
    TempDir dir;
    const auto px = ramp(4 * 28 * 28);
    auto full = iotest::idx3(px, 4, 28, 28);
    auto cut = full;
    cut.resize(full.size() - 100);
    iotest::write_bytes(dir / "cut-idx3-ubyte", cut);
    CHECK_THROWS_WITH(dqt::read_images(dir / "cut-idx3-ubyte"),
                      Contains("truncated") && Contains("3152 bytes") && Contains("file has 3052"));
    auto extra = full;
    extra.push_back(0);
    iotest::write_bytes(dir / "extra-idx3-ubyte", extra);
    CHECK_THROWS_WITH(dqt::read_images(dir / "extra-idx3-ubyte"), Contains("1 unexpected bytes"));

    auto gz = dqt::idx_images_gz(px.data(), 4, 28, 28);
    auto gzcut = gz;
    gzcut.resize(gz.size() / 2);
    iotest::write_bytes(dir / "cut-idx3-ubyte.gz", gzcut);
    CHECK_THROWS_WITH(dqt::read_images(dir / "cut-idx3-ubyte.gz"), Contains("truncated") || Contains("gzip"));

    auto gzbad = gz;
    gzbad[gzbad.size() - 6] ^= 0xff;  // inside the CRC-32 trailer
    iotest::write_bytes(dir / "bad-idx3-ubyte.gz", gzbad);
    CHECK_THROWS_AS(dqt::read_images(dir / "bad-idx3-ubyte.gz"), dq::Error);

    std::vector<uint8_t> notidx = {1, 2, 8, 3, 0, 0, 0, 1};
    iotest::write_bytes(dir / "junk-idx3-ubyte", notidx);
    CHECK_THROWS_WITH(dqt::read_images(dir / "junk-idx3-ubyte"), Contains("not an IDX file"));

    iotest::write_bytes(dir / "short-idx3-ubyte", {0, 0, 8, 3, 0, 0});
    CHECK_THROWS_WITH(dqt::read_images(dir / "short-idx3-ubyte"), Contains("truncated"));

    // Labels: count mismatch names both numbers.
    iotest::write_bytes(dir / "l-idx1-ubyte", iotest::idx1({1, 2, 3}));
    CHECK_THROWS_WITH(dqt::read_labels(dir / "l-idx1-ubyte", 4), Contains("3 labels for 4 images"));
    CHECK_THROWS_WITH(dqt::load_dataset(dir / "missing-idx3-ubyte"), Contains("no such file"));
}

TEST_CASE(".npy images: u8 3-D, f32 2-D, f64, NaN refused with its index", "[data]") {
    TempDir dir;
    const auto px = ramp(3 * 2 * 5);
    iotest::write_bytes(dir / "u8.npy", iotest::npy("|u1", "(3, 2, 5)", px));
    dqt::Dataset a = dqt::read_images(dir / "u8.npy");
    CHECK(a.n == 3);
    CHECK(a.input.height == 2);
    CHECK(a.input.width == 5);
    CHECK(a.pixels == px);

    std::vector<float> f = {0.f, 0.25f, 0.5f, 1.f, 0.125f, 0.75f};
    iotest::write_bytes(dir / "f.npy", iotest::npy("<f4", "(2, 3)", iotest::as_bytes(f)));
    dqt::Dataset b = dqt::read_images(dir / "f.npy");
    CHECK(b.n == 2);
    CHECK(b.dim == 3);
    CHECK(b.x == f);
    CHECK(b.pixels.empty());
    CHECK(b.input.scale == 1.0f);
    CHECK(b.features);       // float npy: feature vectors, standardized by the trainer
    CHECK(!a.features);      // u8 npy: pixels

    std::vector<double> d = {0.5, 0.25, 1.0, 0.0};
    iotest::write_bytes(dir / "d.npy", iotest::npy("<f8", "(2, 2)", iotest::as_bytes(d)));
    CHECK(dqt::read_images(dir / "d.npy").x == std::vector<float>{0.5f, 0.25f, 1.0f, 0.0f});

    f[5] = std::nanf("");
    iotest::write_bytes(dir / "nan.npy", iotest::npy("<f4", "(2, 3)", iotest::as_bytes(f)));
    CHECK_THROWS_WITH(dqt::read_images(dir / "nan.npy"), Contains("row 1, column 2 is NaN"));
    f[5] = INFINITY;
    iotest::write_bytes(dir / "inf.npy", iotest::npy("<f4", "(2, 3)", iotest::as_bytes(f)));
    CHECK_THROWS_WITH(dqt::read_images(dir / "inf.npy"), Contains("row 1, column 2 is infinite"));

    auto cut = iotest::npy("|u1", "(3, 2, 5)", px);
    cut.resize(cut.size() - 7);
    iotest::write_bytes(dir / "cut.npy", cut);
    CHECK_THROWS_WITH(dqt::read_images(dir / "cut.npy"), Contains("truncated"));
    iotest::write_bytes(dir / "i16.npy", iotest::npy("<i2", "(3, 2)", std::vector<uint8_t>(12)));
    CHECK_THROWS_WITH(dqt::read_images(dir / "i16.npy"), Contains("'<i2' not supported"));
    iotest::write_bytes(dir / "bad.npy", {'N', 'O', 'P', 'E', 0, 0, 0, 0, 0, 0, 0});
    CHECK_THROWS_WITH(dqt::read_images(dir / "bad.npy"), Contains("not a .npy file"));

    std::vector<int64_t> lab = {7, -1, 3};
    iotest::write_bytes(dir / "lab.npy", iotest::npy("<i8", "(3,)", iotest::as_bytes(lab)));
    CHECK(dqt::read_labels(dir / "lab.npy", 3) == std::vector<int32_t>{7, -1, 3});
}

TEST_CASE(".fvecs and .bvecs, with a bad record dimension and truncation", "[data]") {
    TempDir dir;
    std::vector<uint8_t> fv;
    auto put_vec = [&](std::vector<uint8_t>& out, int32_t d, const std::vector<float>& vals) {
        auto db = iotest::as_bytes(std::vector<int32_t>{d});
        out.insert(out.end(), db.begin(), db.end());
        auto vb = iotest::as_bytes(vals);
        out.insert(out.end(), vb.begin(), vb.end());
    };
    put_vec(fv, 3, {1, 2, 3});
    put_vec(fv, 3, {4, 5, 6});
    iotest::write_bytes(dir / "a.fvecs", fv);
    dqt::Dataset a = dqt::read_images(dir / "a.fvecs");
    CHECK(a.n == 2);
    CHECK(a.dim == 3);
    CHECK(a.x == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(a.features);

    std::vector<uint8_t> bad;
    put_vec(bad, 3, {1, 2, 3});
    put_vec(bad, 2, {4, 5});
    bad.push_back(0);
    bad.push_back(0);
    bad.push_back(0);
    bad.push_back(0);  // same total size as two 3-d records
    iotest::write_bytes(dir / "bad.fvecs", bad);
    CHECK_THROWS_WITH(dqt::read_images(dir / "bad.fvecs"), Contains("vector 1 has dimension 2, expected 3"));

    fv.resize(fv.size() - 3);
    iotest::write_bytes(dir / "cut.fvecs", fv);
    CHECK_THROWS_WITH(dqt::read_images(dir / "cut.fvecs"), Contains("truncated"));

    std::vector<uint8_t> bv;
    for (int r = 0; r < 3; ++r) {
        auto db = iotest::as_bytes(std::vector<int32_t>{4});
        bv.insert(bv.end(), db.begin(), db.end());
        for (int j = 0; j < 4; ++j) bv.push_back(uint8_t(r * 10 + j));
    }
    iotest::write_bytes(dir / "b.bvecs", bv);
    dqt::Dataset b = dqt::read_images(dir / "b.bvecs");
    CHECK(b.n == 3);
    CHECK(b.input.height == 2);  // 4 = 2 × 2: square images
    CHECK(b.pixels[9] == 21);
}

TEST_CASE("paper split: exactly per_class queries per label, disjoint, seeded", "[data][split]") {
    dqt::Dataset ds = iotest::blobs(10, 30, 4, 4, 1);
    dqt::Split s = dqt::paper_split(ds, 7, 42);
    CHECK(s.queries.size() == 70);
    CHECK(s.gallery.size() == 230);
    std::vector<int> per(10, 0);
    for (uint32_t q : s.queries) per[size_t(ds.labels[q])]++;
    CHECK(per == std::vector<int>(10, 7));
    std::set<uint32_t> all(s.queries.begin(), s.queries.end());
    for (uint32_t g : s.gallery) CHECK(all.insert(g).second);
    CHECK(all.size() == ds.n);
    CHECK(std::is_sorted(s.queries.begin(), s.queries.end()));
    CHECK(std::is_sorted(s.gallery.begin(), s.gallery.end()));

    dqt::Split again = dqt::paper_split(ds, 7, 42);
    CHECK(again.queries == s.queries);
    CHECK(dqt::paper_split(ds, 7, 43).queries != s.queries);

    CHECK_THROWS_WITH(dqt::paper_split(ds, 30, 0), Contains("label 0 has 30 images, needs more than 30"));
    dqt::Dataset nolabels = ds;
    nolabels.labels.clear();
    CHECK_THROWS_WITH(dqt::paper_split(nolabels, 1, 0), Contains("0 labels for 300 images"));

    dqt::Dataset q = dqt::subset(ds, s.queries);
    REQUIRE(q.n == 70);
    CHECK(q.labels[3] == ds.labels[s.queries[3]]);
    CHECK(std::equal(q.row(5), q.row(5) + ds.dim, ds.row(s.queries[5])));
    CHECK(q.pixels.size() == 70 * ds.dim);
}

TEST_CASE("paper split by share: floor(P% of each label), at least 1; a count stays the paper's split", "[data][split]") {
    // Labels of 3, 10, 45 and 200 images: 10% gives 1 (0.3 rounds up to the minimum), 1, 4 and 20.
    dqt::Dataset ds = iotest::blobs(1, 258, 2, 2, 5);
    const size_t sizes[] = {3, 10, 45, 200};
    size_t row = 0;
    for (int l = 0; l < 4; ++l)
        for (size_t i = 0; i < sizes[l]; ++i) ds.labels[row++] = l;
    const dqt::QueryCount ten = dqt::parse_query_count("10%");
    CHECK(ten.percent == 10);
    CHECK(ten.to_string() == "10%");
    CHECK(ten.of(3) == 1);
    CHECK(ten.of(130) == 13);   // the product is 12.999... in binary: not floored to 12
    CHECK(dqt::parse_query_count("12.5%").of(8) == 1);
    CHECK(dqt::parse_query_count("12.5%").of(16) == 2);
    dqt::Split s = dqt::paper_split(ds, ten, 9);
    std::vector<size_t> per(4, 0);
    for (uint32_t q : s.queries) per[size_t(ds.labels[q])]++;
    CHECK(per == std::vector<size_t>{1, 1, 4, 20});
    CHECK(s.queries.size() + s.gallery.size() == ds.n);
    CHECK(std::is_sorted(s.queries.begin(), s.queries.end()));
    CHECK(dqt::paper_split(ds, ten, 9).queries == s.queries);

    // A count: the same draws as the size_t form (so every earlier split, and its bytes, stays).
    const dqt::QueryCount two = dqt::parse_query_count("2");
    CHECK(two.percent == 0);
    CHECK(two.to_string() == "2");
    CHECK(dqt::paper_split(ds, two, 9).queries == dqt::paper_split(ds, 2, 9).queries);

    // A label of one image cannot give a query and keep a gallery.
    ds.labels[0] = 7;
    CHECK_THROWS_WITH(dqt::paper_split(ds, ten, 9), Contains("label 7 has 1 images, needs more than 1 (queries per class, 10%)"));
    for (const char* bad : {"0%", "100%", "-5%", "%", "1e3%", "nan%", "0", "1000001", "ten", "5 ", ""})
        CHECK_THROWS_WITH(dqt::parse_query_count(bad), Contains("is neither a count N (1..1000000) nor a share P%"));
}

TEST_CASE("mnist10k loads by name and splits 1,000 / 9,000", "[data][split][mnist]") {
    dqt::Dataset ds;
    try {
        ds = dqt::load_dataset("mnist10k");
    } catch (const dq::Error& e) {
        WARN("mnist10k not prepared, skipped: " << e.what());
        return;
    }
    REQUIRE(ds.n == 10000);
    REQUIRE(ds.dim == 784);
    CHECK(ds.input.height == 28);
    std::vector<int> counts(10, 0);
    for (int32_t l : ds.labels) counts.at(size_t(l))++;
    for (int c : counts) CHECK(c > 100);
    dqt::Split s = dqt::paper_split(ds, 100, 0);
    CHECK(s.queries.size() == 1000);
    CHECK(s.gallery.size() == 9000);
    float mx = *std::max_element(ds.x.begin(), ds.x.end());
    CHECK(mx == 1.0f);
}

TEST_CASE("every truncation and random corruption of small files fails cleanly", "[data][fuzz]") {
    TempDir dir;
    const auto px = ramp(6 * 5 * 5);
    std::vector<int32_t> lab = {1, 2, 3, 4, 5, 6};
    const std::vector<std::pair<std::string, std::vector<uint8_t>>> files = {
        {"a-idx3-ubyte", iotest::idx3(px, 6, 5, 5)},
        {"b-idx3-ubyte.gz", dqt::idx_images_gz(px.data(), 6, 5, 5)},
        {"c-idx1-ubyte.gz", dqt::idx_labels_gz(lab.data(), lab.size())},
        {"d.npy", iotest::npy("|u1", "(6, 25)", px)},
    };
    dqt::SplitMix64 rng(99);
    size_t outcomes[2] = {0, 0};
    for (const auto& [name, good] : files) {
        const bool labels = name[0] == 'c';
        auto attempt = [&](const std::vector<uint8_t>& bytes) {
            iotest::write_bytes(dir / name, bytes);
            try {
                if (labels) dqt::read_labels(dir / name);
                else dqt::read_images(dir / name);
                outcomes[0]++;
            } catch (const dq::Error&) {
                outcomes[1]++;
            }
        };
        for (size_t cut = 0; cut < good.size(); ++cut) attempt(std::vector<uint8_t>(good.begin(), good.begin() + long(cut)));
        for (int t = 0; t < 300; ++t) {
            auto bad = good;
            for (int f = 0; f < 1 + int(rng.below(3)); ++f) bad[rng.below(bad.size())] ^= uint8_t(1 + rng.below(255));
            attempt(bad);
        }
    }
    // Every truncation is refused; most corruptions too (a flipped pixel is still a valid file).
    CHECK(outcomes[1] > outcomes[0]);
}

TEST_CASE("standardization: training-set mean and 1 / std per dimension, scale 1 where the variance is zero", "[data]") {
    // 4 rows × 4 dims: ordinary, constant (std 0), constant up to float rounding of 1000 (std ~2e-5,
    // under 2^-20 × 1000), and tiny values with a real spread (kept: the rule is relative).
    dqt::Dataset ds;
    ds.n = 4;
    ds.dim = 4;
    ds.features = true;
    ds.input.height = 1;
    ds.input.width = 4;
    ds.input.scale = 1.0f;
    const float up = std::nextafter(1000.0f, 2000.0f);
    ds.x = {1000, 7, 1000, 1e-6f,  1100, 7, up, 3e-6f,  900, 7, 1000, 1e-6f,  1000, 7, up, 3e-6f};
    dq::InputSpec spec = ds.input;
    CHECK(dqt::compute_standardization(ds, spec) == 2);
    CHECK(spec.mean[0] == 1000.0f);
    CHECK(spec.mean[1] == 7.0f);
    CHECK(spec.mean[2] == float((2000.0 + 2 * double(up)) / 4));
    CHECK(spec.mean[3] == Approx(2e-6).epsilon(1e-6));
    CHECK(spec.inv_std[0] == float(1.0 / std::sqrt(5000.0)));   // population std: sqrt(20000 / 4)
    CHECK(spec.inv_std[1] == 1.0f);
    CHECK(spec.inv_std[2] == 1.0f);
    CHECK(spec.inv_std[3] == Approx(1e6).epsilon(1e-5));
    // The copy the networks train on: (x - mean) * scale in float, the core's order.
    const dqt::Dataset s = dqt::standardized_copy(ds, spec);
    CHECK(s.input.standardized());
    CHECK(s.x[4] == (1100.0f - 1000.0f) * spec.inv_std[0]);
    CHECK(s.x[1] == 0.0f);
    CHECK(ds.x[4] == 1100.0f);   // the original is left as it was
}

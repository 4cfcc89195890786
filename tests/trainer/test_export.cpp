// Export: model.dqm in f32 / f16 / int8 / int4 read back by the core, gallery databases whose codes
// come from the core encoder (thumbnails optionally on fewer gray levels), and Faiss IndexPQ files
// checked byte by byte and by Faiss itself.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

#include "data/split.h"
#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "export/database_builder.h"
#include "export/faiss_writer.h"
#include "export/model_export.h"
#include "report/train_outputs.h"
#include "train/trainer.h"
#include "io_test_util.h"

using Catch::Matchers::Contains;
using iotest::TempDir;

namespace {

template <class T>
T read_le(const std::vector<uint8_t>& b, size_t off) {
    T v;
    std::memcpy(&v, &b[off], sizeof v);
    return v;
}

bool have_faiss() { return std::system("/usr/bin/python3 -c 'import faiss' >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("model export round trip in f32, f16, int8 and int4", "[export]") {
    dq::Model m = iotest::tiny_model(4, 4, 4, 16, 2, 1);
    std::vector<uint8_t> bytes;
    dq::Model f32 = dqt::serialize_model(m, dq::WeightType::f32, bytes);
    CHECK(f32.weight_type == dq::WeightType::f32);
    CHECK(f32.layers[0].weight == m.layers[0].weight);
    CHECK(f32.codebooks == m.codebooks);
    const size_t f32_size = bytes.size();

    dq::Model f16 = dqt::serialize_model(m, dq::WeightType::f16, bytes);
    CHECK(f16.weight_type == dq::WeightType::f16);
    for (size_t i = 0; i < m.layers[1].weight.size(); ++i)
        CHECK(f16.layers[1].weight[i] == Approx(m.layers[1].weight[i]).epsilon(1e-3).margin(1e-4));
    CHECK(f16.codebooks == m.codebooks);  // codebooks stay f32

    dq::Model i8 = dqt::serialize_model(m, dq::WeightType::int8, bytes);
    CHECK(i8.weight_type == dq::WeightType::int8);
    const auto& L = m.layers[0];
    for (uint32_t r = 0; r < L.out; ++r) {
        float mx = 0;
        for (uint32_t c = 0; c < L.in; ++c) mx = std::max(mx, std::fabs(L.weight[r * L.in + c]));
        for (uint32_t c = 0; c < L.in; ++c)
            CHECK(std::fabs(i8.layers[0].weight[r * L.in + c] - L.weight[r * L.in + c]) <= mx / 127.0f * 0.5f + 1e-6f);
    }
    CHECK(bytes.size() <= f32_size);
    const size_t i8_size = bytes.size();

    dq::Model i4 = dqt::serialize_model(m, dq::WeightType::int4, bytes);
    CHECK(i4.weight_type == dq::WeightType::int4);
    CHECK(i4.codebooks == m.codebooks);
    for (uint32_t r = 0; r < L.out; ++r) {
        float mx = 0;
        for (uint32_t c = 0; c < L.in; ++c) mx = std::max(mx, std::fabs(L.weight[r * L.in + c]));
        for (uint32_t c = 0; c < L.in; ++c)
            CHECK(std::fabs(i4.layers[0].weight[r * L.in + c] - L.weight[r * L.in + c]) <= mx / 7.0f * 0.5f + 1e-6f);
    }
    CHECK(bytes.size() < i8_size);
}

TEST_CASE("int4 export corrects each layer's bias for the mean shift of its rounded weights", "[export]") {
    dq::Model m = iotest::tiny_model(4, 4, 4, 16, 2, 5);
    dqt::Dataset ds = iotest::blobs(3, 100, 4, 4, 8);
    std::vector<uint8_t> plain, fixed;
    const dq::Model q = dqt::serialize_model(m, dq::WeightType::int4, plain);
    const dq::Model c = dqt::export_model(m, dq::WeightType::int4, ds.x.data(), ds.n, fixed);
    std::vector<uint8_t> back(fixed);
    CHECK(dq::read_model(back.data(), back.size()).layers[1].bias == c.layers[1].bias);
    // Same int4 weights, other biases.
    for (size_t l = 0; l < 2; ++l) {
        CHECK(c.layers[l].weight == q.layers[l].weight);
        CHECK(c.layers[l].bias != m.layers[l].bias);
    }
    // Mean pre-activation of each layer over the data: the corrected int4 model matches the trained
    // one (layer 0 up to float rounding; layer 1 sees the int4 layer 0's outputs, so it matches
    // better than without the correction).
    auto pre_means = [&](const dq::Model& model, size_t layer) {
        std::vector<float> cur(ds.x), next;
        std::vector<double> mean;
        for (size_t l = 0; l <= layer; ++l) {
            const dq::DenseLayer& L = model.layers[l];
            next.resize(ds.n * L.out);
            dq::dq_dense_f32__scalar(L.weight.data(), L.in, L.out, cur.data(), ds.n, next.data());
            mean.assign(L.out, 0.0);
            for (size_t i = 0; i < ds.n; ++i)
                for (uint32_t j = 0; j < L.out; ++j) {
                    float& v = next[i * L.out + j];
                    v += L.bias[j];
                    mean[j] += v / double(ds.n);
                    if (L.act == dq::Activation::relu && v < 0) v = 0;
                }
            cur.swap(next);
        }
        return mean;
    };
    auto gap = [&](const dq::Model& a, size_t layer) {
        const auto ma = pre_means(a, layer), mt = pre_means(m, layer);
        double g = 0;
        for (size_t j = 0; j < ma.size(); ++j) g = std::max(g, std::fabs(ma[j] - mt[j]));
        return g;
    };
    CHECK(gap(q, 0) > 1e-3);
    CHECK(gap(c, 0) < 1e-5);
    CHECK(gap(c, 1) < gap(q, 1));

    // Not applied to other weight types; the result does not depend on the thread count.
    for (dq::WeightType t : {dq::WeightType::f32, dq::WeightType::f16, dq::WeightType::int8}) {
        std::vector<uint8_t> a, b;
        dqt::serialize_model(m, t, a);
        dqt::export_model(m, t, ds.x.data(), ds.n, b);
        CHECK(a == b);
    }
#ifdef _OPENMP
    {
        const dqtest::OmpThreads threads(1);
        std::vector<uint8_t> one;
        dqt::export_model(m, dq::WeightType::int4, ds.x.data(), ds.n, one);
        CHECK(one == fixed);
    }
#endif
}

TEST_CASE("gray levels: a LUT onto N evenly spaced values, at most half a step away", "[export]") {
    for (uint32_t n : {2u, 3u, 5u, 8u, 16u, 17u, 100u, 255u, 256u}) {
        INFO(n << " levels");
        const auto lut = dqt::gray_levels_lut(n);
        const std::set<uint8_t> values(lut.begin(), lut.end());
        CHECK(values.size() == n);
        CHECK(lut[0] == 0);
        CHECK(lut[255] == 255);
        const int bound = int(std::floor(255.0 / (2.0 * (n - 1)) + 0.5));
        for (int p = 0; p < 256; ++p) {
            REQUIRE(std::abs(int(lut[size_t(p)]) - p) <= bound);
            if (p) REQUIRE(lut[size_t(p)] >= lut[size_t(p - 1)]);
        }
        // The levels are round(k * 255 / (n - 1)).
        for (uint32_t k = 0; k < n; ++k) CHECK(values.count(uint8_t(std::lround(k * 255.0 / (n - 1)))) == 1);
    }
    const auto id = dqt::gray_levels_lut(256);
    for (int p = 0; p < 256; ++p) CHECK(id[size_t(p)] == p);
    const auto eight = dqt::gray_levels_lut(8);
    CHECK(eight[17] == 0);
    CHECK(eight[18] == 0);  // half way between 0 and 36: the lower one
    CHECK(eight[19] == 36);
    CHECK_THROWS_WITH(dqt::gray_levels_lut(1), Contains("thumbnail levels must be in [2, 256], got 1"));
    CHECK_THROWS_WITH(dqt::gray_levels_lut(257), Contains("got 257"));
}

TEST_CASE("gallery thumbnails on N gray levels: codes and query thumbnails stay exact", "[export]") {
    dq::Model m = iotest::tiny_model(4, 4, 4, 16, 2, 4);
    std::vector<uint8_t> mb;
    dq::Model model = dqt::serialize_model(m, dq::WeightType::int4, mb);
    dqt::LoadedSplit data;
    data.all = iotest::blobs(3, 40, 4, 4, 6);
    data.split = dqt::paper_split(data.all, 5, 1);
    data.gallery = dqt::subset(data.all, data.split.gallery);
    data.queries = dqt::subset(data.all, data.split.queries);
    REQUIRE(std::set<uint8_t>(data.all.pixels.begin(), data.all.pixels.end()).size() > 100);

    const dq::Database exact = dqt::build_database(model, data.all, data.split.gallery);
    for (uint32_t n : {2u, 8u, 16u}) {
        INFO(n << " levels");
        const dq::Database g = dqt::build_database(model, data.all, data.split.gallery, true, n);
        CHECK(g.codes == exact.codes);
        REQUIRE(g.thumbnails.size() == exact.thumbnails.size());
        CHECK(std::set<uint8_t>(g.thumbnails.begin(), g.thumbnails.end()).size() <= n);
        int worst = 0;
        for (size_t i = 0; i < g.thumbnails.size(); ++i)
            worst = std::max(worst, std::abs(int(g.thumbnails[i]) - int(exact.thumbnails[i])));
        CHECK(worst <= int(std::floor(255.0 / (2.0 * (n - 1)) + 0.5)));
        CHECK(worst > 0);
    }

    // Through the train export: the gallery is quantized, the queries are not; every weight type
    // is evaluated, the exported one with exactly the export's own numbers.
    TempDir dir;
    dqt::Exported ex = dqt::export_and_evaluate(m, dq::WeightType::int4, data, 8, true);
    CHECK(std::set<uint8_t>(ex.gallery.thumbnails.begin(), ex.gallery.thumbnails.end()).size() <= 8);
    CHECK(ex.gallery.codes == dqt::build_database(ex.model, data.all, data.split.gallery).codes);
    CHECK(ex.queries.thumbnails == data.queries.pixels);
    REQUIRE(ex.by_weight_type.size() == 4);
    const dq::WeightType types[] = {dq::WeightType::f32, dq::WeightType::f16, dq::WeightType::int8, dq::WeightType::int4};
    for (size_t t = 0; t < 4; ++t) {
        const dqt::WeightTypeEval& w = ex.by_weight_type[t];
        CHECK(w.type == types[t]);
        CHECK(w.error.empty());
        REQUIRE(w.evals.size() == 2);
        CHECK(w.evals[0].mode == "sdc");
        CHECK(w.evals[1].mode == "adc");
        CHECK(w.model_bytes > 0);
        CHECK_THAT(dqt::weight_type_line(w), Contains(std::string("weights ") + dq::to_string(types[t])));
    }
    CHECK(ex.by_weight_type[3].model_bytes == ex.model_bytes.size());
    CHECK(ex.by_weight_type[3].evals[0].metrics.map_all == ex.evals[0].metrics.map_all);
    CHECK(ex.by_weight_type[3].evals[1].metrics.map_all == ex.evals[1].metrics.map_all);
    CHECK(ex.by_weight_type[0].model_bytes > ex.by_weight_type[2].model_bytes);
    CHECK(ex.by_weight_type[2].model_bytes > ex.by_weight_type[3].model_bytes);
    // f32 through the comparison is what exporting f32 directly gives.
    const dqt::Exported f = dqt::export_and_evaluate(m, dq::WeightType::f32, data);
    CHECK(ex.by_weight_type[0].evals[0].metrics.map_all == f.evals[0].metrics.map_all);
    CHECK(ex.by_weight_type[0].evals[1].metrics.map_all == f.evals[1].metrics.map_all);
    CHECK(f.by_weight_type.empty());

    dqt::write_train_outputs(dir / "run", ex, data, dqt::TrainCurves{}, "{\"thumbnail_levels\": 8}");
    auto gb = iotest::read_bytes(dir / "run/gallery.dqdb");
    CHECK(dq::read_database(gb.data(), gb.size()).thumbnails == ex.gallery.thumbnails);
    auto qb = iotest::read_bytes(dir / "run/queries.dqdb");
    CHECK(dq::read_database(qb.data(), qb.size()).thumbnails == data.queries.pixels);
    auto rep = iotest::read_bytes(dir / "run/report.json");
    const std::string s(rep.begin(), rep.end());
    CHECK_THAT(s, Contains("\"weights\": {") && Contains("\"int4\": {") && Contains("\"f16\": {"));
}

TEST_CASE("gallery database: codes through the core, ids, labels, thumbnails, round trip", "[export]") {
    dq::Model m = iotest::tiny_model(4, 4, 4, 16, 2, 2);
    std::vector<uint8_t> mb;
    dq::Model model = dqt::serialize_model(m, dq::WeightType::int8, mb);
    dqt::Dataset ds = iotest::blobs(3, 200, 4, 4, 5);
    std::vector<uint32_t> rows;
    for (uint32_t i = 0; i < ds.n; i += 2) rows.push_back(i);

    dqtest::OmpThreads threads(1);
    dq::Database one = dqt::build_database(model, ds, rows);
    threads.set(2);
    dq::Database db = dqt::build_database(model, ds, rows);
    CHECK(one.codes == db.codes);
    REQUIRE(db.size() == rows.size());
    CHECK(db.ids == rows);
    CHECK(db.M == 4);
    CHECK(db.K == 16);
    CHECK(db.model_fingerprint == dq::codebook_fingerprint(model));
    CHECK(db.labels[7] == ds.labels[rows[7]]);
    CHECK(db.thumb_height == 4);
    CHECK(std::memcmp(&db.thumbnails[5 * 16], &ds.pixels[size_t(rows[5]) * 16], 16) == 0);

    // The exported codes are exactly what the core encodes for the same inputs.
    dq::Index index(model);
    std::vector<uint8_t> codes(rows.size() * 4);
    std::vector<float> x(rows.size() * 16);
    for (size_t r = 0; r < rows.size(); ++r) std::memcpy(&x[r * 16], ds.row(rows[r]), 16 * sizeof(float));
    index.encode(x.data(), rows.size(), codes.data());
    CHECK(codes == db.codes);
    bool varied = false;
    for (size_t i = 4; i < codes.size(); ++i) varied |= codes[i] != codes[i % 4];
    CHECK(varied);  // a sanity check on the test itself: not every code is the same

    std::vector<uint8_t> bytes = dq::write_database(db);
    dq::Database back = dq::read_database(bytes.data(), bytes.size());
    CHECK(back.codes == db.codes);
    CHECK(back.ids == db.ids);
    CHECK(back.labels == db.labels);
    CHECK(back.thumbnails == db.thumbnails);
    dq::check_compatible(model, back);
    dq::Model other = iotest::tiny_model(4, 4, 4, 16, 2, 3);
    CHECK_THROWS_AS(dq::check_compatible(other, back), dq::FormatError);

    dqt::Dataset wrong = iotest::blobs(3, 10, 5, 5, 1);
    CHECK_THROWS_WITH(dqt::build_database(model, wrong, {0, 1}), Contains("25 values per image") && Contains("expects 16"));
}

TEST_CASE("Faiss IndexPQ bytes follow the documented layout", "[export][faiss]") {
    for (uint32_t K : {16u, 256u}) {
        dq::Model m = iotest::tiny_model(4, 4, 3, K, 2, 4);
        dqt::Dataset ds = iotest::blobs(2, 20, 4, 4, 6);
        std::vector<uint32_t> rows(ds.n);
        for (uint32_t i = 0; i < ds.n; ++i) rows[i] = i;
        dq::Database db = dqt::build_database(m, ds, rows);
        const uint64_t nbits = K == 16 ? 4 : 8, d = 6, M = 3, code_size = (M * nbits + 7) / 8;
        std::vector<uint8_t> b = dqt::faiss_index_pq(m, db, false);
        REQUIRE(b.size() == 86 + 4 * d * K + ds.n * code_size);
        CHECK(std::memcmp(b.data(), "IxPq", 4) == 0);
        CHECK(read_le<int32_t>(b, 4) == int32_t(d));
        CHECK(read_le<int64_t>(b, 8) == int64_t(ds.n));
        CHECK(b[32] == 1);                       // is_trained
        CHECK(read_le<int32_t>(b, 33) == 1);     // METRIC_L2
        CHECK(read_le<uint64_t>(b, 45) == M);
        CHECK(read_le<uint64_t>(b, 53) == nbits);
        CHECK(read_le<uint64_t>(b, 61) == d * K);
        CHECK(read_le<float>(b, 69) == m.codebooks[0]);
        const size_t codes_at = 69 + 4 * d * K + 8;
        CHECK(read_le<uint64_t>(b, codes_at - 8) == ds.n * code_size);
        if (K == 16) {
            CHECK(b[codes_at] == uint8_t(db.codes[0] | (db.codes[1] << 4)));
            CHECK(b[codes_at + 1] == db.codes[2]);
        } else {
            CHECK(std::memcmp(&b[codes_at], db.codes.data(), 3) == 0);
        }
        CHECK(read_le<int32_t>(b, b.size() - 4) == int32_t(nbits * M + 1));

        std::vector<uint8_t> w = dqt::faiss_index_pq(m, db, true);
        REQUIRE(w.size() == 37 + b.size() + 8 + 8 * ds.n);
        CHECK(std::memcmp(w.data(), "IxMp", 4) == 0);
        CHECK(std::memcmp(&w[37], "IxPq", 4) == 0);
        CHECK(read_le<int64_t>(w, w.size() - 8) == int64_t(db.ids.back()));
    }
}

namespace {

// Faiss (Debian's python3-faiss) reads the IndexIDMap(IndexPQ) export of `db` and searches it with the
// core's latent vectors of the first 10 images of `ds`: its top 5 must be the core's ADC top 5, distances
// equal up to float rounding, ids equal except where a tie (equal distance) lets two swap.
void check_faiss_finds_core_neighbours(const TempDir& dir, const dq::Model& m, const dqt::Dataset& ds,
                                       const dq::Database& db) {
    dq::Index index(m, db);
    const size_t nq = 10, k = 5, d = m.latent_dim();
    std::vector<float> z(nq * d);
    index.embed(ds.x.data(), nq, z.data());
    std::vector<float> dist(nq * k);
    std::vector<int64_t> ids(nq * k);
    index.search(ds.x.data(), nq, k, dq::SearchMode::adc, dist.data(), ids.data());

    iotest::write_bytes(dir / "index.faiss", dqt::faiss_index_pq(m, db, true));
    std::vector<uint8_t> zb(z.size() * 4);
    std::memcpy(zb.data(), z.data(), zb.size());
    iotest::write_bytes(dir / "z.f32", zb);
    // Also prints what Faiss read (nbits, M, code size): a 4-bit index must be read as one.
    std::string cmd = "/usr/bin/python3 -c \"import faiss, numpy as np; i = faiss.read_index('" + (dir / "index.faiss") +
                      "'); p = faiss.downcast_index(i.index).pq; print(p.nbits, p.M, p.code_size); q = np.fromfile('" +
                      (dir / "z.f32") + "', dtype='float32').reshape(-1, " + std::to_string(d) +
                      "); D, I = i.search(q, " + std::to_string(k) +
                      "); [print(' '.join(str(int(a)) + ':' + repr(float(b)) for a, b in zip(I[r], D[r]))) for r in range(len(I))]\" > " +
                      (dir / "out.txt");
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::vector<uint8_t> out = iotest::read_bytes(dir / "out.txt");
    std::istringstream in(std::string(out.begin(), out.end()));
    uint32_t nbits = 0, M = 0, code_size = 0;
    REQUIRE(bool(in >> nbits >> M >> code_size));
    CHECK(nbits == m.nbits());
    CHECK(M == m.M);
    CHECK(code_size == (m.M * m.nbits() + 7) / 8);
    for (size_t q = 0; q < nq; ++q) {
        for (size_t r = 0; r < k; ++r) {
            std::string tok;
            REQUIRE(bool(in >> tok));
            size_t colon = tok.find(':');
            int64_t fid = std::stoll(tok.substr(0, colon));
            float fd = std::stof(tok.substr(colon + 1));
            const float cd = dist[q * k + r];
            CHECK(fd == Approx(cd).epsilon(1e-4).margin(1e-5));
            if (fid != ids[q * k + r]) {
                // Only a tie (equal distance up to float rounding) may swap two neighbours.
                bool tie = (r > 0 && std::fabs(dist[q * k + r - 1] - cd) <= 1e-4f * (1 + cd)) ||
                           (r + 1 < k && std::fabs(dist[q * k + r + 1] - cd) <= 1e-4f * (1 + cd));
                CHECK(tie);
            }
        }
    }
}

}  // namespace

TEST_CASE("Faiss reads the export and finds the core's ADC neighbours", "[export][faiss]") {
    if (!have_faiss()) {
        WARN("python3-faiss is not installed (/usr/bin/python3 -c 'import faiss' failed): skipped");
        return;
    }
    TempDir dir;
    for (uint32_t K : {16u, 256u}) {
        INFO("K " << K);
        dq::Model m = iotest::tiny_model(4, 4, 4, K, 2, 7);
        dqt::Dataset ds = iotest::blobs(3, 100, 4, 4, 8);
        std::vector<uint32_t> rows;
        for (uint32_t i = 10; i < ds.n; ++i) rows.push_back(i);
        check_faiss_finds_core_neighbours(dir, m, ds, dqt::build_database(m, ds, rows));
    }
}

// A trained 4-bit model, as `deepquan train --codeword-bits 4` makes them, with an odd M (12 bits: three
// sub-codes, the last one alone in the low half of its byte, the way Faiss's PQEncoderGeneric packs it).
TEST_CASE("Faiss reads a trained 4-bit model's export (odd M) and finds the core's neighbours", "[export][faiss]") {
    if (!have_faiss()) {
        WARN("python3-faiss is not installed (/usr/bin/python3 -c 'import faiss' failed): skipped");
        return;
    }
    TempDir dir;
    dqt::Dataset ds = iotest::blobs(4, 80, 4, 4, 21);
    dqt::TrainConfig c;
    c.bits = 12;
    c.K = 16;
    c.dsub = 4;
    c.hidden = {24, 20};
    c.pretrain_iterations = 150;
    c.pretrain_lr = 0.01f;
    c.pretrain_batch = 64;
    c.pretrain_noise = 0;
    c.iterations = 20;
    c.batch = 64;
    c.kmeans_iters = 5;
    c.progress_every = 0;
    const dq::Model m = dqt::train_deepquan(c, ds).model;
    REQUIRE(m.K == 16);
    REQUIRE(m.M == 3);
    std::vector<uint32_t> rows;
    for (uint32_t i = 10; i < ds.n; ++i) rows.push_back(i);
    const dq::Database db = dqt::build_database(m, ds, rows);
    std::set<uint8_t> used(db.codes.begin(), db.codes.end());
    CHECK(used.size() > 8);  // the codes use the 4-bit range, not a handful of codewords
    check_faiss_finds_core_neighbours(dir, m, ds, db);
}

// Faiss's own conversion is the reference: faiss.IndexPQFastScan(index_pq) re-packs an IndexPQ's codes into
// its blocked layout, and serializing that must give our bytes exactly, at every M parity and at item counts
// below, at and above a 32-item block.
TEST_CASE("IndexPQFastScan export is byte for byte what Faiss makes of the IndexPQ", "[export][faiss]") {
    if (!have_faiss()) {
        WARN("python3-faiss is not installed (/usr/bin/python3 -c 'import faiss' failed): skipped");
        return;
    }
    TempDir dir;
    struct Case {
        uint32_t M;
        uint32_t n;
    };
    const std::vector<Case> cases = {{1, 1}, {2, 31}, {3, 32}, {4, 33}, {5, 70}, {8, 96}};
    std::vector<std::vector<uint8_t>> ours;
    std::string list;
    for (size_t c = 0; c < cases.size(); ++c) {
        dq::Model m = iotest::tiny_model(4, 4, cases[c].M, 16, 2, 30 + c);
        dqt::Dataset ds = iotest::blobs(2, (cases[c].n + 1) / 2, 4, 4, 40 + c);
        std::vector<uint32_t> rows(cases[c].n);
        for (uint32_t i = 0; i < cases[c].n; ++i) rows[i] = i;
        const dq::Database db = dqt::build_database(m, ds, rows);
        iotest::write_bytes(dir / ("pq" + std::to_string(c) + ".faiss"), dqt::faiss_index_pq(m, db, false));
        ours.push_back(dqt::faiss_index_pq_fastscan(m, db, false));
        list += (c ? "," : "") + std::to_string(c);
    }
    std::string cmd = "/usr/bin/python3 -c \"import faiss\nfor c in [" + list + "]:\n  f = faiss.IndexPQFastScan(faiss.read_index('" +
                      (dir / "pq") + "%d.faiss' % c))\n  open('" + (dir / "fs") +
                      "%d.faiss' % c, 'wb').write(faiss.serialize_index(f).tobytes())\" 2> " + (dir / "err.txt");
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (size_t c = 0; c < cases.size(); ++c) {
        INFO("M " << cases[c].M << ", " << cases[c].n << " items");
        const std::vector<uint8_t> faiss = iotest::read_bytes(dir / ("fs" + std::to_string(c) + ".faiss"));
        REQUIRE(faiss.size() == ours[c].size());
        CHECK(faiss == ours[c]);
        CHECK(std::memcmp(ours[c].data(), "IPfs", 4) == 0);
    }
    dq::Model k256 = iotest::tiny_model(4, 4, 2, 256, 2, 3);
    dqt::Dataset ds = iotest::blobs(2, 5, 4, 4, 1);
    const dq::Database db = dqt::build_database(k256, ds, {0, 1, 2});
    CHECK_THROWS_WITH(dqt::faiss_index_pq_fastscan(k256, db, false), Contains("IndexPQFastScan holds 4-bit codes (K = 16)") &&
                                                                         Contains("this model has K = 256"));
}

// The blocked layout by hand on one block: item i's sub-code m = (i + 3 m) % 16.
TEST_CASE("pq4_pack_codes: Faiss's pair-of-sub-quantizers blocks with the 0, 8, 1, 9 ... order", "[export][faiss]") {
    const size_t n = 40, M = 3, code_size = 2, M2 = 4;
    std::vector<uint8_t> codes(n * code_size, 0);
    auto sub = [](size_t i, size_t m) { return uint8_t((i + 3 * m) % 16); };
    for (size_t i = 0; i < n; ++i)
        for (size_t m = 0; m < M; ++m) codes[i * code_size + m / 2] |= uint8_t(sub(i, m) << (4 * (m % 2)));
    const std::vector<uint8_t> b = dqt::pq4_pack_codes(codes.data(), n, code_size, M2);
    REQUIRE(b.size() == 64 * M2 / 2);
    const size_t perm[16] = {0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15};
    for (size_t blk = 0; blk < 2; ++blk)
        for (size_t pair = 0; pair < 2; ++pair)
            for (size_t j = 0; j < 32; ++j) {
                const size_t m = 2 * pair + j / 16, lo = blk * 32 + perm[j % 16], hi = lo + 16;
                auto at = [&](size_t i) { return i < n && m < M ? sub(i, m) : uint8_t(0); };
                INFO("block " << blk << " pair " << pair << " byte " << j);
                CHECK(b[(blk * 2 + pair) * 32 + j] == uint8_t(at(lo) | (at(hi) << 4)));
            }
}

TEST_CASE("train outputs: export, evaluation through the core, report and plots", "[export][train]") {
    TempDir dir;
    dqt::LoadedSplit data;
    data.all = iotest::blobs(3, 40, 4, 4, 12);
    data.split = dqt::paper_split(data.all, 5, 1);
    data.gallery = dqt::subset(data.all, data.split.gallery);
    data.queries = dqt::subset(data.all, data.split.queries);
    dqt::Exported ex = dqt::export_and_evaluate(iotest::tiny_model(4, 4, 4, 16, 2, 9), dq::WeightType::int8, data);
    REQUIRE(ex.evals.size() == 2);
    CHECK(ex.evals[0].mode == "sdc");
    CHECK(ex.evals[1].mode == "adc");
    CHECK(ex.evals[0].query_ap.size() == 15);
    CHECK(ex.model.weight_type == dq::WeightType::int8);
    CHECK(ex.gallery.ids == data.split.gallery);
    CHECK(ex.queries.ids == data.split.queries);
    std::vector<uint8_t> codes(data.queries.n * 4);
    dq::Index(ex.model).encode(data.queries.x.data(), data.queries.n, codes.data());
    CHECK(codes == ex.queries.codes);

    dqt::TrainCurves curves;
    curves.per_iteration.push_back({"loss", {1, 2, 3}, {2.0, 1.0, 0.5}});
    curves.per_epoch.push_back({"codeword distance", {1, 2}, {3.5, 3.7}});
    dqt::write_train_outputs(dir / "run", ex, data, curves, "{\"bits\": 32}");
    CHECK(iotest::read_bytes(dir / "run/model.dqm") == ex.model_bytes);
    auto gb = iotest::read_bytes(dir / "run/gallery.dqdb");
    CHECK(dq::read_database(gb.data(), gb.size()).codes == ex.gallery.codes);
    dqt::Dataset q = dqt::load_dataset(dir / "run/queries-idx3-ubyte.gz");
    CHECK(q.pixels == data.queries.pixels);
    CHECK(q.labels == data.queries.labels);
    auto rep = iotest::read_bytes(dir / "run/report.json");
    std::string s(rep.begin(), rep.end());
    CHECK_THAT(s, Contains("\"map_all_sdc\"") && Contains("\"bits\": 32") && Contains("\"codeword distance\""));
    for (const char* svg : {"loss.svg", "codeword-distance.svg", "pr.svg"}) {
        auto b = iotest::read_bytes(dir / (std::string("run/") + svg));
        CHECK(std::string(b.begin(), b.end()).rfind("<svg", 0) == 0);
    }
}

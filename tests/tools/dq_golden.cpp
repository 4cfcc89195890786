// dq_golden: native golden data for the wasm parity tests (tests/wasm) and the wasm benchmark.
//
//   dq_golden OUTDIR           seeded models + galleries + queries, and golden.json with what the
//                              native core computes for them (codes, embeddings, top-k in SDC/ADC)
//   dq_golden OUTDIR --bench   paper-shaped models (784-500-500-2000-L, 32 and 64 bits) and databases
//                              of 70,000 and 1,000,000 random codes for scripts/bench-wasm.sh; K = 16
//                              models and 1,000,000-code databases at the same bits (bench-k16-*)
//
// Everything is a pure function of fixed seeds. Models are written through the core's writer and
// read back before use, so f16 / int8 / int4 configurations compute with the weights the files hold.
// Before writing, each embedding is recomputed with the scalar dense kernel and compared bit for bit
// with the index's (best native) kernel: a mismatch is a bug and exits 3.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "dq/encoder.h"
#include "test_model_builder.h"
#include "test_support.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"

namespace {

using Rng = dqtest::Rng;

void write_file(const std::string& path, const void* data, size_t n) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + path);
    const bool ok = std::fwrite(data, 1, n, f) == n;
    if (std::fclose(f) != 0 || !ok) throw std::runtime_error("write failed: " + path);
}

/// Images in 10 loose classes: a class-dependent pair of Gaussian blobs plus noise, so neighbours
/// mean something and distances do not all tie.
std::vector<uint8_t> make_images(size_t n, uint32_t h, uint32_t w, uint32_t c, uint64_t seed,
                                 std::vector<int32_t>* labels) {
    Rng rng(seed);
    std::vector<uint8_t> px(n * h * w * c);
    for (size_t i = 0; i < n; ++i) {
        const uint32_t cls = rng.below(10);
        if (labels) labels->push_back(int32_t(cls));
        const float cy1 = h * (0.25f + 0.05f * float(cls % 5)), cx1 = w * (0.3f + 0.04f * float(cls));
        const float cy2 = h * (0.75f - 0.04f * float(cls)), cx2 = w * (0.7f - 0.05f * float(cls % 4));
        const float jy = rng.uniform(-2, 2), jx = rng.uniform(-2, 2), sig = rng.uniform(2.0f, 4.0f);
        for (uint32_t y = 0; y < h; ++y)
            for (uint32_t x = 0; x < w; ++x) {
                const float d1 = (y - cy1 - jy) * (y - cy1 - jy) + (x - cx1 - jx) * (x - cx1 - jx);
                const float d2 = (y - cy2 + jy) * (y - cy2 + jy) + (x - cx2 + jx) * (x - cx2 + jx);
                float v = 255.0f * (std::exp(-d1 / (2 * sig * sig)) + 0.8f * std::exp(-d2 / (2 * sig * sig)));
                for (uint32_t ch = 0; ch < c; ++ch) {
                    const float t = v + rng.uniform(-20, 20);
                    px[((i * h + y) * w + x) * c + ch] = uint8_t(t < 0 ? 0 : t > 255 ? 255 : t);
                }
            }
    }
    return px;
}

std::vector<float> scale(const std::vector<uint8_t>& px, float s) {
    std::vector<float> x(px.size());
    for (size_t i = 0; i < px.size(); ++i) x[i] = float(px[i]) * s;
    return x;
}

/// Random dense layers (uniform ±sqrt(6/in), He-like for ReLU) and codebooks drawn from embedded
/// training images, so every codeword is used by something.
dq::Model make_model(uint32_t h, uint32_t w, uint32_t c, std::vector<uint32_t> hidden, uint32_t M, uint32_t K,
                     uint32_t dsub, dq::WeightType wt, uint64_t seed) {
    Rng rng(seed);
    // He-like weight range for ReLU layers: ±sqrt(6 / in).
    dq::Model m = dqtest::random_model(h, w, c, hidden, M, K, dsub, rng,
                                       [](uint32_t in) { return std::sqrt(6.0f / float(in)); }, 0.05f);
    m.weight_type = wt;
    m.codebooks.assign(size_t(M) * K * dsub, 0.0f);
    const dq::Encoder enc(m);
    const auto train = scale(make_images(K, h, w, c, seed + 100, nullptr), m.input.scale);
    std::vector<float> z(size_t(K) * m.latent_dim());
    enc.forward(train.data(), K, z.data());
    for (uint32_t k = 0; k < K; ++k)
        for (uint32_t s = 0; s < M; ++s)
            for (uint32_t j = 0; j < dsub; ++j)
                m.codebooks[(size_t(s) * K + k) * dsub + j] = z[size_t(k) * m.latent_dim() + s * dsub + j];
    m.meta_json = "{\"generator\": \"dq_golden\", \"seed\": " + std::to_string(seed) + "}";
    // Round trip through the file so the golden values use exactly the weights the file holds.
    const auto bytes = dq::write_model(m);
    return dq::read_model(bytes.data(), bytes.size());
}

void write_idx(const std::string& path, const std::vector<uint8_t>& px, size_t n, uint32_t h, uint32_t w, uint32_t c) {
    std::vector<uint8_t> b;
    auto be32 = [&b](uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
    };
    b.insert(b.end(), {0, 0, 0x08, uint8_t(c == 1 ? 3 : 4)});
    be32(uint32_t(n));
    be32(h);
    be32(w);
    if (c != 1) be32(c);
    b.insert(b.end(), px.begin(), px.end());
    write_file(path, b.data(), b.size());
}

std::string fmt_float(float v) {
    if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", double(v));
    return buf;
}

template <class T, class F>
std::string json_array(const T* p, size_t n, F f) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + f(p[i]);
    return s + "]";
}

std::string floats(const float* p, size_t n) { return json_array(p, n, fmt_float); }
template <class T>
std::string ints(const T* p, size_t n) {
    return json_array(p, n, [](T v) { return std::to_string(v); });
}

struct Config {
    std::string name;
    uint32_t h, w, c;
    std::vector<uint32_t> hidden;
    uint32_t M, K, dsub;
    dq::WeightType wt;
    size_t n_gallery, n_queries, k;
    bool labels;
    bool identity_ids;        ///< ids 0..N-1, else 1000 + 3 i
    int thumbs;               ///< 0 none, 1 full-size (the images), 2 small 4×4 crops
    uint64_t seed;
};

std::string run_config(const Config& cfg, const std::string& dir) {
    const dq::Model model = make_model(cfg.h, cfg.w, cfg.c, cfg.hidden, cfg.M, cfg.K, cfg.dsub, cfg.wt, cfg.seed);
    const size_t D = model.input_dim(), L = model.latent_dim(), M = model.M;
    dq::Index empty(model);

    std::vector<int32_t> labels;
    const auto gpx = make_images(cfg.n_gallery, cfg.h, cfg.w, cfg.c, cfg.seed + 1, &labels);
    const auto gx = scale(gpx, model.input.scale);
    dq::Database db = empty.database();
    db.codes.resize(cfg.n_gallery * M);
    empty.encode(gx.data(), cfg.n_gallery, db.codes.data());
    for (size_t i = 0; i < cfg.n_gallery; ++i) db.ids.push_back(cfg.identity_ids ? uint32_t(i) : uint32_t(1000 + 3 * i));
    if (cfg.labels) {
        db.labels = labels;
        db.labels[1] = -1;  // an unknown label
    }
    if (cfg.thumbs == 1) {
        db.thumb_height = cfg.h;
        db.thumb_width = cfg.w;
        db.thumb_channels = cfg.c;
        db.thumbnails = gpx;
    } else if (cfg.thumbs == 2) {
        db.thumb_height = 4;
        db.thumb_width = 4;
        db.thumb_channels = cfg.c;
        for (size_t i = 0; i < cfg.n_gallery; ++i)
            for (uint32_t y = 0; y < 4; ++y)
                for (uint32_t x = 0; x < 4 * cfg.c; ++x) db.thumbnails.push_back(gpx[(i * cfg.h + y) * cfg.w * cfg.c + x]);
    }
    const auto mbytes = dq::write_model(model);
    const auto dbytes = dq::write_database(db);
    write_file(dir + "/" + cfg.name + ".dqm", mbytes.data(), mbytes.size());
    write_file(dir + "/" + cfg.name + ".dqdb", dbytes.data(), dbytes.size());
    dq::Index index(model, db);

    // Queries: n_queries byte images (also written as IDX) and one float image not on the byte grid.
    const size_t nq = cfg.n_queries;
    const auto qpx = make_images(nq, cfg.h, cfg.w, cfg.c, cfg.seed + 2, nullptr);
    write_idx(dir + "/" + cfg.name + "-queries.idx", qpx, nq, cfg.h, cfg.w, cfg.c);
    std::vector<float> qx = scale(qpx, model.input.scale);
    Rng frng(cfg.seed + 3);
    for (size_t i = 0; i < D; ++i) qx.push_back(frng.uniform(0.0f, 1.0f));
    const size_t nall = nq + 1;

    std::vector<float> z(nall * L), zs(nall * L);
    std::vector<uint8_t> codes(nall * M);
    index.embed(qx.data(), nall, z.data());
    index.encode(qx.data(), nall, codes.data());
    dq::Encoder(model, &dq::dq_dense_f32__scalar).forward(qx.data(), nall, zs.data());
    if (std::memcmp(z.data(), zs.data(), z.size() * sizeof(float)) != 0) {
        std::fprintf(stderr, "dq_golden: %s: the best dense kernel differs from the scalar reference\n", cfg.name.c_str());
        std::exit(3);
    }
    const size_t k = cfg.k;
    std::string js = "{\"name\":\"" + cfg.name + "\",\"model\":\"" + cfg.name + ".dqm\",\"db\":\"" + cfg.name +
                     ".dqdb\",\"queries\":\"" + cfg.name + "-queries.idx\",\"nq\":" + std::to_string(nq) +
                     ",\"input\":[" + std::to_string(cfg.h) + "," + std::to_string(cfg.w) + "," + std::to_string(cfg.c) +
                     "],\"M\":" + std::to_string(M) + ",\"K\":" + std::to_string(model.K) + ",\"L\":" + std::to_string(L) +
                     ",\"size\":" + std::to_string(db.size()) + ",\"weightType\":\"" + dq::to_string(model.weight_type) +
                     "\",\"hasLabels\":" + (db.has_labels() ? "true" : "false") +
                     ",\"thumbShape\":" + (db.has_thumbnails() ? "[" + std::to_string(db.thumb_height) + "," + std::to_string(db.thumb_width) + "," + std::to_string(db.thumb_channels) + "]" : "null") +
                     ",\"k\":" + std::to_string(k) + ",\"scale\":" + fmt_float(model.input.scale) +
                     ",\"floatQuery\":" + floats(&qx[nq * D], D);
    js += ",\"codes\":[";
    for (size_t q = 0; q < nall; ++q) js += (q ? "," : "") + ints(&codes[q * M], M);
    js += "],\"embeddings\":[";
    for (size_t q = 0; q < nall; ++q) js += (q ? "," : "") + floats(&z[q * L], L);
    js += "]";
    for (auto mode : {dq::SearchMode::sdc, dq::SearchMode::adc}) {
        std::vector<float> d(nall * k);
        std::vector<int64_t> ids(nall * k);
        index.search(qx.data(), nall, k, mode, d.data(), ids.data());
        js += std::string(",\"") + (mode == dq::SearchMode::sdc ? "sdc" : "adc") + "\":[";
        for (size_t q = 0; q < nall; ++q) {
            std::vector<int32_t> ls;
            for (size_t j = 0; j < k; ++j) {
                const int64_t p = index.position_of(uint32_t(ids[q * k + j]));
                ls.push_back(db.has_labels() && p >= 0 ? db.labels[size_t(p)] : -1);
            }
            js += std::string(q ? "," : "") + "{\"ids\":" + ints(&ids[q * k], k) + ",\"distances\":" + floats(&d[q * k], k) +
                  ",\"labels\":" + ints(ls.data(), k) + "}";
        }
        js += "]";
    }
    // Item 0's stored code searched by SDC (the CLI's --query-index without full-size thumbnails).
    {
        std::vector<float> d(k);
        std::vector<int64_t> ids(k);
        index.search_codes(&db.codes[0], 1, k, d.data(), ids.data());
        js += ",\"item0\":{\"ids\":" + ints(ids.data(), k) + ",\"distances\":" + floats(d.data(), k) + "}";
    }
    return js + "}";
}

void write_bench(const std::string& dir) {
    for (uint32_t M : {4u, 8u}) {
        const std::string tag = std::to_string(M * 8);
        const dq::Model model = make_model(28, 28, 1, {500, 500, 2000}, M, 256, 64 / M, dq::WeightType::f32, 900 + M);
        const auto mb = dq::write_model(model);
        write_file(dir + "/bench-" + tag + ".dqm", mb.data(), mb.size());
        for (size_t n : {size_t(70000), size_t(1000000)}) {
            dq::Database db = dq::Index(model).database();
            Rng rng(n + M);
            db.codes.resize(n * M);
            for (auto& c : db.codes) c = uint8_t(rng.below(256));
            db.ids.resize(n);
            for (size_t i = 0; i < n; ++i) db.ids[i] = uint32_t(i);
            const auto b = dq::write_database(db);
            write_file(dir + "/bench-" + tag + "-" + (n == 70000 ? "70k" : "1m") + ".dqdb", b.data(), b.size());
        }
    }
    // 4-bit codes at the same code lengths (issue 21's end-to-end comparison): K = 16, M = bits / 4, the same
    // encoder shape and latent size; 1,000,000 random codes each.
    for (uint32_t M : {8u, 16u}) {
        const std::string tag = "k16-" + std::to_string(M * 4);
        const dq::Model model = make_model(28, 28, 1, {500, 500, 2000}, M, 16, 64 / M, dq::WeightType::f32, 950 + M);
        const auto mb = dq::write_model(model);
        write_file(dir + "/bench-" + tag + ".dqm", mb.data(), mb.size());
        dq::Database db = dq::Index(model).database();
        const size_t n = 1000000;
        Rng rng(77 + M);
        db.codes.resize(n * M);
        for (auto& c : db.codes) c = uint8_t(rng.below(16));
        db.ids.resize(n);
        for (size_t i = 0; i < n; ++i) db.ids[i] = uint32_t(i);
        const auto b = dq::write_database(db);
        write_file(dir + "/bench-" + tag + "-1m.dqdb", b.data(), b.size());
    }
    const auto q = make_images(100, 28, 28, 1, 5, nullptr);
    write_idx(dir + "/bench-queries.idx", q, 100, 28, 28, 1);
    // The same queries as model inputs (pixel × 1/255, float32 little-endian, 100 × 784) for native tools that
    // read no IDX (tests/bench/bench_query.cpp).
    const auto qx = scale(q, 1.0f / 255.0f);
    write_file(dir + "/bench-queries.f32", qx.data(), qx.size() * sizeof(float));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3 || (argc == 3 && std::string(argv[2]) != "--bench")) {
        std::fprintf(stderr, "usage: dq_golden OUTDIR [--bench]\n");
        return 2;
    }
    const std::string dir = argv[1];
    try {
        if (argc == 3) {
            write_bench(dir);
            return 0;
        }
        using W = dq::WeightType;
        const Config configs[] = {
            {"small", 28, 28, 1, {64, 32}, 4, 256, 4, W::f32, 500, 6, 10, true, true, 1, 11},
            {"k16-f16", 28, 28, 1, {64, 32}, 8, 16, 2, W::f16, 400, 4, 12, false, false, 0, 12},
            {"int8-rgb", 8, 6, 3, {40}, 2, 256, 8, W::int8, 300, 4, 7, true, false, 2, 13},
            {"paper", 28, 28, 1, {500, 500, 2000}, 8, 256, 8, W::f32, 300, 3, 10, true, true, 1, 14},
            // Odd widths (63 inputs, 33 hidden) put a padding nibble in every int4 weight row.
            {"int4-odd", 7, 9, 1, {33}, 4, 256, 4, W::int4, 300, 4, 8, true, false, 2, 15},
        };
        std::string js = "{\"generator\":\"dq_golden\",\"configs\":[";
        bool first = true;
        for (const auto& c : configs) {
            js += (first ? "" : ",") + run_config(c, dir);
            first = false;
        }
        js += "]}\n";
        write_file(dir + "/golden.json", js.data(), js.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dq_golden: %s\n", e.what());
        return 1;
    }
    return 0;
}

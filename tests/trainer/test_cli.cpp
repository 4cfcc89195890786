// The `deepquan` binary, run as a user would: error paths give one clear line and the documented
// exit status (2 usage, 1 runtime); the encode -> search -> eval -> export-faiss path produces its
// files. The baseline command's runs: test_cli_baseline.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "dq/format.h"
#include "io_test_util.h"

using Catch::Matchers::Contains;
using iotest::TempDir;
using iotest::Run;
using iotest::run;

namespace {

size_t lines(const std::string& s) {
    size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

// A 4×4 labelled image set (images-idx3-ubyte.gz + labels-idx1-ubyte.gz) and a tiny model for it.
void fixture(const TempDir& dir, size_t classes = 3, size_t per_class = 40) {
    dqt::Dataset ds = iotest::blobs(classes, per_class, 4, 4, 1);
    iotest::write_bytes(dir / "images-idx3-ubyte.gz", dqt::idx_images_gz(ds.pixels.data(), ds.n, 4, 4));
    iotest::write_bytes(dir / "labels-idx1-ubyte.gz", dqt::idx_labels_gz(ds.labels.data(), ds.n));
    iotest::write_bytes(dir / "model.dqm", dq::write_model(iotest::tiny_model(4, 4, 4, 16, 2, 1)));
    iotest::write_bytes(dir / "other.dqm", dq::write_model(iotest::tiny_model(4, 4, 4, 16, 2, 2)));
}

}  // namespace

TEST_CASE("usage errors exit 2 with one clear line", "[cli]") {
    TempDir dir;
    Run r = run(dir, "");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("usage: deepquan <command>"));
    r = run(dir, "frobnicate");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("unknown command 'frobnicate'"));
    r = run(dir, "train --dataset mnist10k --bits 12 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("bits must be a multiple of 8 between 8 and 128, got 12"));
    CHECK(lines(r.err) == 1);
    r = run(dir, "baseline --method pq --bits 16 --dataset mnist10k --frob 1");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("unknown flag --frob"));
    r = run(dir, "baseline --method pq --bits abc --dataset mnist10k");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--bits: 'abc' is not an integer"));
    r = run(dir, "baseline --method sh --bits 16 --dataset mnist10k");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("unknown method 'sh'"));
    r = run(dir, "search --model");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--model needs a value"));
    r = run(dir, "encode --images x.idx --out y.dqdb");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--model is required"));
    r = run(dir, "eval --model a --db b --queries c --mode fast");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--mode must be sdc or adc, got 'fast'"));
    r = run(dir, "search --model a --db b --image c -k 0");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--k must be between 1"));
    r = run(dir, "train --dataset mnist10k --bits 16 --variant best --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--variant must be deepquan, paper, quad, wtps or daepq, got 'best'"));
    r = run(dir, "train --dataset mnist10k --bits 16 --weights f64 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--weights"));
    r = run(dir, "train --dataset mnist10k --bits 16 --lr -1 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--lr must be between"));
    r = run(dir, "train --dataset mnist10k --bits 16 --epoch-z stale --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--epoch-z must be fresh or reuse, got 'stale'"));
    r = run(dir, "train --help");
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Contains("--weights f32|f16|int8|int4") && Contains("--thumbnail-levels N") && Contains("--epoch-z"));
    r = run(dir, "train --dataset mnist10k --bits 16 --thumbnail-levels 1 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--thumbnail-levels must be between 2 and 256, got 1"));
    r = run(dir, "encode --model m.dqm --images x.idx --thumbnail-levels 300 --out o.dqdb");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--thumbnail-levels must be between 2 and 256, got 300"));
    r = run(dir, "encode --help");
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Contains("--thumbnail-levels N"));
}

TEST_CASE("runtime errors exit 1: missing, corrupt and mismatched files, k too large", "[cli]") {
    TempDir dir;
    fixture(dir);
    Run r = run(dir, "search --model " + (dir / "nope.dqm") + " --db " + (dir / "nope.dqdb") + " --image x");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("cannot open") && Contains("nope.dqm"));
    CHECK(lines(r.err) == 1);

    r = run(dir, "baseline --method lsh --bits 16 --dataset " + (dir / "missing.idx"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("no such file"));

    r = run(dir, "encode --model " + (dir / "model.dqm") + " --images " + (dir / "images-idx3-ubyte.gz") + " --out " +
                     (dir / "g.dqdb"));
    REQUIRE(r.status == 0);
    r = run(dir, "search --model " + (dir / "model.dqm") + " --db " + (dir / "g.dqdb") + " --image " +
                     (dir / "images-idx3-ubyte.gz") + ":3 -k 1000");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("k = 1000 is larger than the database (120 items)"));
    r = run(dir, "search --model " + (dir / "model.dqm") + " --db " + (dir / "g.dqdb") + " --image " +
                     (dir / "images-idx3-ubyte.gz") + ":500");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("image index 500 out of range (120 images)"));
    r = run(dir, "eval --model " + (dir / "other.dqm") + " --db " + (dir / "g.dqdb") + " --queries " +
                     (dir / "images-idx3-ubyte.gz"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("mismatch"));

    auto bytes = iotest::read_bytes(dir / "g.dqdb");
    bytes.resize(bytes.size() / 2);
    iotest::write_bytes(dir / "cut.dqdb", bytes);
    r = run(dir, "export-faiss --model " + (dir / "model.dqm") + " --db " + (dir / "cut.dqdb") + " --out " +
                     (dir / "x.faiss"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("cut.dqdb"));
    CHECK(iotest::read_bytes(dir / "x.faiss").empty());  // nothing written on failure

    // 5×5 images against a 4×4 model: refused with both shapes.
    dqt::Dataset big = iotest::blobs(2, 5, 5, 5, 1);
    iotest::write_bytes(dir / "big-idx3-ubyte", iotest::idx3(big.pixels, 10, 5, 5));
    r = run(dir, "encode --model " + (dir / "model.dqm") + " --images " + (dir / "big-idx3-ubyte") + " --out " +
                     (dir / "b.dqdb"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("25 values per image (5×5×1), the model expects 16 (4×4×1)"));
}

// Everything after the header line of `deepquan search`: the column titles and the hits.
static std::string hits_of(const std::string& out) { return out.substr(out.find('\n') + 1); }

TEST_CASE("search on a K = 16 model: the fast-scan kernel and its pool printed, --pool and --exact", "[cli]") {
    TempDir dir;
    fixture(dir);  // model.dqm: K = 16, M = 4; 120 images
    iotest::write_bytes(dir / "k256.dqm", dq::write_model(iotest::tiny_model(4, 4, 2, 256, 2, 3)));
    const std::string m = dir / "model.dqm", db = dir / "g.dqdb", img = dir / "images-idx3-ubyte.gz";
    REQUIRE(run(dir, "encode --model " + m + " --images " + img + " --out " + db).status == 0);
    const std::string q = "search --model " + m + " --db " + db + " --image " + img + ":7 -k 20";
    Run fast = run(dir, q);
    REQUIRE(fast.status == 0);
    CHECK_THAT(fast.out, Contains(", 120 items, kernel dq_scan_lut4_blk32__"));
    CHECK_THAT(fast.out, Contains(", pool 120\n"));  // the default max(8 k, 64) = 160, clipped to the size
    Run small_pool = run(dir, q + " --pool 30");
    REQUIRE(small_pool.status == 0);
    CHECK_THAT(small_pool.out, Contains(", pool 30\n"));
    for (const char* mode : {"adc", "sdc"}) {
        INFO(mode);
        Run full = run(dir, q + " --mode " + mode + " --pool 120");
        Run exact = run(dir, q + " --mode " + mode + " --exact");
        REQUIRE(full.status == 0);
        REQUIRE(exact.status == 0);
        CHECK_THAT(exact.out, Contains(", kernel dq_scan_lut8_u8__"));
        CHECK_THAT(exact.out, !Contains("pool"));
        CHECK(hits_of(full.out) == hits_of(exact.out));
        CHECK(lines(full.out) == 22);
    }
    Run r = run(dir, q + " --pool 30 --exact");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--pool and --exact exclude each other"));
    r = run(dir, q + " --pool -1");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--pool must be between 0 and"));
    REQUIRE(run(dir, "encode --model " + (dir / "k256.dqm") + " --images " + img + " --out " + (dir / "g256.dqdb")).status == 0);
    r = run(dir, "search --model " + (dir / "k256.dqm") + " --db " + (dir / "g256.dqdb") + " --image " + img + " --pool 30");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--pool applies to the K = 16 fast-scan only; this model (K = 256, M = 2) is scanned exactly"));
    r = run(dir, "search --model " + (dir / "k256.dqm") + " --db " + (dir / "g256.dqdb") + " --image " + img);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains(", kernel dq_scan_lut8_u8__"));
    CHECK_THAT(r.out, !Contains("pool"));
}

// Parses the hit lines of `deepquan search` (after the two header lines): (id, distance, label).
struct CliHit {
    long long id;
    double distance;
    std::string label;
};
static std::vector<CliHit> parse_hits(const std::string& out) {
    std::istringstream in(hits_of(hits_of(out)));
    std::vector<CliHit> hits;
    long long rank, id;
    double dist;
    std::string label;
    while (in >> rank >> id >> dist >> label) hits.push_back({id, dist, label});
    return hits;
}

TEST_CASE("search --labels, --ids, --exclude-ids: filters inside the scan, k results whenever k pass", "[cli]") {
    TempDir dir;
    fixture(dir);  // 120 images of 3 classes, 40 each; ids 0..119; K = 16
    iotest::write_bytes(dir / "k256.dqm", dq::write_model(iotest::tiny_model(4, 4, 2, 256, 2, 3)));
    const std::string img = dir / "images-idx3-ubyte.gz";
    for (const char* model : {"model.dqm", "k256.dqm"}) {
        INFO(model);
        const std::string db = dir / (std::string(model) + ".dqdb");
        REQUIRE(run(dir, "encode --model " + (dir / model) + " --images " + img + " --out " + db).status == 0);
        auto bytes = iotest::read_bytes(db);
        const dq::Database g = dq::read_database(bytes.data(), bytes.size());
        const std::string q = "search --model " + (dir / model) + " --db " + db + " --image " + img + ":7";
        Run all = run(dir, q + " -k 120 --mode sdc");
        REQUIRE(all.status == 0);
        const std::vector<CliHit> every = parse_hits(all.out);
        REQUIRE(every.size() == 120);

        // --labels: k = 30 results, all of the chosen labels, in the unfiltered ranking's order.
        Run r = run(dir, q + " -k 30 --mode sdc --labels 0,2");
        REQUIRE(r.status == 0);
        CHECK_THAT(r.out, Contains("120 items, filter: 80 pass, kernel"));
        std::vector<CliHit> want;
        for (const CliHit& h : every)
            if (g.labels[size_t(h.id)] == 0 || g.labels[size_t(h.id)] == 2) want.push_back(h);
        want.resize(30);
        std::vector<CliHit> got = parse_hits(r.out);
        REQUIRE(got.size() == 30);
        for (size_t j = 0; j < 30; ++j) {
            CHECK(got[j].id == want[j].id);
            CHECK(got[j].distance == want[j].distance);
            CHECK(got[j].label != "1");
        }

        // --ids leaving 3 items with k = 10: exactly those 3, nearest first, no padding printed.
        r = run(dir, q + " -k 10 --mode sdc --ids 3,50,119");
        REQUIRE(r.status == 0);
        CHECK_THAT(r.out, Contains("filter: 3 pass"));
        got = parse_hits(r.out);
        REQUIRE(got.size() == 3);
        std::vector<long long> order;
        for (const CliHit& h : every)
            if (h.id == 3 || h.id == 50 || h.id == 119) order.push_back(h.id);
        CHECK(std::vector<long long>{got[0].id, got[1].id, got[2].id} == order);
        CHECK(lines(r.out) == 5);

        // --exclude-ids: the unfiltered top 5 excluded gives ranks 6..10; combined with --labels.
        std::string top5;
        for (size_t j = 0; j < 5; ++j) top5 += (j ? "," : "") + std::to_string(every[j].id);
        // (K = 16: a pool covering the 115 passing items, so the fast-scan's top 5 is the exact one.)
        const std::string pool = std::string(model) == "model.dqm" ? " --pool 120" : "";
        got = parse_hits(run(dir, q + " -k 5 --mode sdc --exclude-ids " + top5 + pool).out);
        REQUIRE(got.size() == 5);
        for (size_t j = 0; j < 5; ++j) CHECK(got[j].id == every[j + 5].id);
        r = run(dir, q + " -k 10 --mode sdc --labels 1 --exclude-ids " + top5 + " --ids 40,41,42,0");
        REQUIRE(r.status == 0);
        for (const CliHit& h : parse_hits(r.out)) {
            CHECK(g.labels[size_t(h.id)] == 1);
            CHECK((h.id >= 40 && h.id <= 42));
        }
        // A filter nothing passes: the header, no hits.
        r = run(dir, q + " -k 4 --ids 500");
        REQUIRE(r.status == 0);
        CHECK_THAT(r.out, Contains("filter: 0 pass"));
        CHECK(parse_hits(r.out).empty());
    }
    const std::string q = "search --model " + (dir / "model.dqm") + " --db " + (dir / "model.dqm.dqdb") + " --image " + img;
    Run r = run(dir, q + " --labels 1,x");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--labels: 'x' in '1,x' is not an integer (expected a comma-separated list such as 1,3,7)"));
    r = run(dir, q + " --ids 4,,5");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--ids: '' in '4,,5' is not an integer"));
    r = run(dir, q + " --exclude-ids 4,-2");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--exclude-ids: -2 is out of range (each value must be between 0 and 4294967295)"));
    r = run(dir, q + " --labels -2");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--labels: -2 is out of range"));
    // A database without labels: a runtime error naming the flag.
    dq::Database nolabels = [&] {
        auto b = iotest::read_bytes(dir / "model.dqm.dqdb");
        return dq::read_database(b.data(), b.size());
    }();
    nolabels.labels.clear();
    iotest::write_bytes(dir / "nolabels.dqdb", dq::write_database(nolabels));
    r = run(dir, "search --model " + (dir / "model.dqm") + " --db " + (dir / "nolabels.dqdb") + " --image " + img + " --labels 1");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("--labels: the database has no labels"));
}

TEST_CASE("encode, search, eval and export-faiss on a tiny model", "[cli]") {
    TempDir dir;
    fixture(dir);
    const std::string m = dir / "model.dqm", db = dir / "g.dqdb", img = dir / "images-idx3-ubyte.gz";
    Run r = run(dir, "encode --model " + m + " --images " + img + " --out " + db);
    REQUIRE(r.status == 0);
    auto bytes = iotest::read_bytes(db);
    dq::Database g = dq::read_database(bytes.data(), bytes.size());
    CHECK(g.size() == 120);
    CHECK(g.has_labels());
    CHECK(g.has_thumbnails());
    CHECK(g.ids[119] == 119);

    // --thumbnail-levels changes the stored thumbnails only: same codes, at most 4 gray values,
    // each within half a step (255 / 6, rounded) of the exact pixel.
    r = run(dir, "encode --model " + m + " --images " + img + " --thumbnail-levels 4 --out " + (dir / "g4.dqdb"));
    REQUIRE(r.status == 0);
    auto b4 = iotest::read_bytes(dir / "g4.dqdb");
    dq::Database g4 = dq::read_database(b4.data(), b4.size());
    CHECK(g4.codes == g.codes);
    CHECK(g4.labels == g.labels);
    REQUIRE(g4.thumbnails.size() == g.thumbnails.size());
    std::set<uint8_t> values(g4.thumbnails.begin(), g4.thumbnails.end());
    CHECK(values.size() <= 4);
    CHECK(values.size() > 1);
    int worst = 0;
    for (size_t i = 0; i < g.thumbnails.size(); ++i) worst = std::max(worst, std::abs(int(g4.thumbnails[i]) - int(g.thumbnails[i])));
    CHECK(worst <= 43);
    CHECK(worst > 0);

    r = run(dir, "search --model " + m + " --db " + db + " --image " + img + ":7 -k 3 --mode sdc");
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("rank"));
    CHECK(lines(r.out) == 5);  // header, column titles, 3 hits
    // ADC: no code is nearer to the query than its own, so item 7 has the smallest distance.
    r = run(dir, "search --model " + m + " --db " + db + " --image " + img + ":7 -k 120");
    REQUIRE(r.status == 0);
    std::istringstream in(r.out);
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    double first = -1, own = -2;
    long long rank, id;
    double dist;
    std::string label;
    while (in >> rank >> id >> dist >> label) {
        if (rank == 1) first = dist;
        if (id == 7) own = dist;
    }
    CHECK(own == first);

    r = run(dir, "eval --model " + m + " --db " + db + " --queries " + img + " --trials 5");
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("sdc") && Contains("adc") && Contains("MAP@All") && Contains("bootstrap"));
    r = run(dir, "eval --model " + m + " --db " + db + " --queries " + db + " --mode sdc");
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("120 queries against 120 items"));

    r = run(dir, "export-faiss --model " + m + " --db " + db + " --out " + (dir / "i.faiss") + " --idmap");
    REQUIRE(r.status == 0);
    auto f = iotest::read_bytes(dir / "i.faiss");
    REQUIRE(f.size() > 8);
    CHECK(std::string(f.begin(), f.begin() + 4) == "IxMp");
    r = run(dir, "export-faiss --model " + m + " --db " + db + " --out " + (dir / "fs.faiss") + " --fast-scan");
    REQUIRE(r.status == 0);
    CHECK_THAT(r.err, Contains("Faiss IndexPQFastScan, d=8 M=4 nbits=4, 120 codes"));
    f = iotest::read_bytes(dir / "fs.faiss");
    REQUIRE(f.size() > 8);
    CHECK(std::string(f.begin(), f.begin() + 4) == "IPfs");
}

// 4-bit codes: --codeword-bits picks K, --bits is checked against it, and methods without PQ codes say
// the flag does not apply to them.
TEST_CASE("train and baseline --codeword-bits 4|8: K = 16 or 256, checked bits, refused where it does not apply", "[cli]") {
    TempDir dir;
    Run r = run(dir, "train --dataset mnist10k --bits 6 --codeword-bits 4 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("bits must be a multiple of 4 between 4 and 128, got 6"));
    CHECK(lines(r.err) == 1);
    r = run(dir, "train --dataset mnist10k --bits 12 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("bits must be a multiple of 8 between 8 and 128, got 12") && Contains("--codeword-bits 4"));
    r = run(dir, "train --dataset mnist10k --bits 16 --codeword-bits 2 --out " + (dir / "o"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--codeword-bits must be 4 (K = 16 codewords) or 8 (K = 256), got '2'"));
    r = run(dir, "baseline --method pq --bits 132 --codeword-bits 4 --dataset mnist10k");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("bits must be a multiple of 4 between 4 and 128, got 132"));
    for (const char* m : {"itq", "lsh", "pcah", "l2"}) {
        INFO(m);
        r = run(dir, std::string("baseline --method ") + m + " --bits 16 --codeword-bits 4 --dataset mnist10k");
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Contains("--codeword-bits 4 applies to the product-quantization methods (pq, opq, pcapq, daepq); ") &&
                              Contains(std::string(m) + " is not one of them"));
    }
    CHECK(iotest::read_bytes(dir / "o/model.dqm").empty());

    // pq / opq / pcapq with 16 codewords: M = bits / 4 on the fixture's 16-pixel images.
    fixture(dir, 4, 80);  // 300 training images: enough for K = 256 below
    const std::string ds = dir / "images-idx3-ubyte.gz";
    for (const char* m : {"pq", "opq", "pcapq"}) {
        INFO(m);
        r = run(dir, std::string("baseline --method ") + m + " --bits 8 --codeword-bits 4 --queries-per-class 5 --dataset " + ds);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK_THAT(r.out, Contains("M=2 K=16 dsub=8") && Contains("sdc") && Contains("adc"));
    }
    r = run(dir, "baseline --method pq --bits 8 --queries-per-class 5 --dataset " + ds);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("M=1 K=256 dsub=16"));

    // The flag reaches the recipe: K and M, recorded in its json; the pretraining does not depend on K,
    // so runs of equal latent size (16 bits of 4-bit codes, 32 of 8-bit ones: L = 64) share one cache.
    const std::vector<dqt::FlagSpec> spec = {{"dataset", "X"}, {"codeword-bits", "X"}};
    auto recipe = [&](std::vector<std::string> argv, int bits) {
        return dqt::resolve_recipe(dqt::parse_train_config(dqt::Args("train", argv, 0, spec), bits, 0), 9000);
    };
    const dqt::Recipe k16 = recipe({"--dataset", "mnist10k", "--codeword-bits", "4"}, 16);
    const dqt::Recipe k256 = recipe({"--dataset", "mnist10k"}, 32);
    CHECK(k16.K == 16);
    CHECK(k16.M == 4);
    CHECK(k256.K == 256);
    CHECK(k256.M == 4);
    CHECK(recipe({"--dataset", "mnist10k", "--codeword-bits", "8"}, 32).json() == k256.json());
    CHECK_THAT(k16.json(), Contains("\"M\": 4,") && Contains("\"K\": 16,"));
    CHECK_THAT(k256.json(), Contains("\"M\": 4,") && Contains("\"K\": 256,"));
    CHECK(k16.pretrain_key() == k256.pretrain_key());
    CHECK(recipe({"--dataset", "mnist10k", "--codeword-bits", "4"}, 32).pretrain_key() != k256.pretrain_key());  // L = 128
}

// Each command's help is made from the table its parser uses, so the two cannot drift (baseline once
// accepted --iterations, which did nothing, and --pretrain-noise without listing them).
TEST_CASE("every command's --help lists exactly the flags it accepts", "[cli]") {
    for (const dqt::Command* c : {&dqt::train_command(), &dqt::baseline_command(), &dqt::eval_command(),
                                  &dqt::encode_command(), &dqt::search_command(), &dqt::export_faiss_command()}) {
        INFO(c->name);
        const std::string help = dqt::help_text(*c);
        CHECK(help.rfind(std::string("usage: deepquan ") + c->name, 0) == 0);
        for (const dqt::FlagSpec& f : c->flags) {
            CHECK_THAT(help, Contains(std::string("--") + f.name + (f.value ? std::string(" ") + f.value : "")));
            // ... and the parser takes it.
            std::vector<std::string> argv = {std::string("--") + f.name};
            if (f.value) argv.push_back("1");
            CHECK_NOTHROW(dqt::Args(c->name, argv, 0, c->flags));
        }
        CHECK_THROWS_AS(dqt::Args(c->name, {"--not-a-flag"}, 0, c->flags), dqt::UsageError);
    }
    const std::string baseline = dqt::help_text(dqt::baseline_command());
    CHECK_THAT(baseline, Contains("--pretrain-noise P") && Contains("--pretrain-iterations N"));
    CHECK_THAT(baseline, !Contains("--iterations N"));
    CHECK_THAT(dqt::help_text(dqt::train_command()), Contains(dqt::variant_list()));
}

// `deepquan baseline` run as a user would: its report files and trial spread, and feature vectors
// standardized with the training split's statistics before a classic method sees them; Ctrl-C during
// a long baseline run.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "dq/format.h"
#include "io_test_util.h"

using Catch::Matchers::Contains;
using iotest::TempDir;
using iotest::Run;
using iotest::run;

TEST_CASE("baseline writes report.json and pr.svg; trials report a spread", "[cli]") {
    TempDir dir;
    const dqt::Dataset blobs = iotest::blobs(4, 60, 4, 4, 1);
    iotest::write_bytes(dir / "images-idx3-ubyte.gz", dqt::idx_images_gz(blobs.pixels.data(), blobs.n, 4, 4));
    iotest::write_bytes(dir / "labels-idx1-ubyte.gz", dqt::idx_labels_gz(blobs.labels.data(), blobs.n));
    const std::string ds = dir / "images-idx3-ubyte.gz";
    Run r = run(dir, "baseline --method lsh --bits 16 --dataset " + ds + " --queries-per-class 5 --trials 2 --out " +
                         (dir / "rep"));
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("mean ± std over 2 trials"));
    auto rep = iotest::read_bytes(dir / "rep/report.json");
    std::string s(rep.begin(), rep.end());
    CHECK_THAT(s, Contains("\"map_all\"") && Contains("\"method\": \"lsh\""));
    auto svg = iotest::read_bytes(dir / "rep/pr.svg");
    CHECK(std::string(svg.begin(), svg.end()).rfind("<svg", 0) == 0);
    r = run(dir, "baseline --method itq --bits 16 --dataset " + ds + " --queries-per-class 60");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("needs more than 60"));
}

TEST_CASE("baseline standardizes feature vectors as the trainer does", "[cli][features]") {
    // Dimension 0 carries the class (±1); dimensions 1..3 are unit noise. "raw" has the noise at
    // offset 5000 and scale 1000, so unstandardized L2 would rank by noise alone (MAP near chance,
    // 0.5); standardized, both files are the same data and rank alike.
    TempDir dir;
    dqtest::Rng rng(11);
    const size_t n = 120, d = 4;
    std::vector<float> unit(n * d), raw(n * d);
    std::vector<uint8_t> labels(n);
    for (size_t i = 0; i < n; ++i) {
        labels[i] = uint8_t(i % 2);
        unit[i * d] = raw[i * d] = (labels[i] ? 1.f : -1.f) + rng.uniform(-0.05f, 0.05f);
        for (size_t j = 1; j < d; ++j) {
            unit[i * d + j] = rng.uniform(-1.7f, 1.7f);
            raw[i * d + j] = 5000.f + 1000.f * unit[i * d + j];
        }
    }
    iotest::write_bytes(dir / "unit.npy", iotest::npy("<f4", "(120, 4)", iotest::as_bytes(unit)));
    iotest::write_bytes(dir / "raw.npy", iotest::npy("<f4", "(120, 4)", iotest::as_bytes(raw)));
    iotest::write_bytes(dir / "labels-idx1-ubyte", iotest::idx1(labels));
    auto map_of = [&](const std::string& file) {
        Run r = run(dir, "baseline --method l2 --bits 16 --queries-per-class 10 --dataset " + (dir / file) +
                             " --labels " + (dir / "labels-idx1-ubyte") + " --out " + (dir / (file + ".rep")));
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK_THAT(r.err, Contains("feature vectors standardized per dimension with the training split's mean"));
        auto rep = iotest::read_bytes(dir / (file + ".rep/report.json"));
        const std::string js(rep.begin(), rep.end());
        const size_t at = js.find("\"map_all\": ");
        REQUIRE(at != std::string::npos);
        return std::stod(js.substr(at + 11));
    };
    const double a = map_of("unit.npy"), b = map_of("raw.npy");
    CHECK(a > 0.65);
    CHECK(std::abs(a - b) < 0.01);
}

TEST_CASE("Ctrl-C stops a run with status 130 and leaves no partial file", "[cli][signal]") {
    TempDir dir;
    dqt::Dataset ds = iotest::blobs(10, 300, 28, 28, 3);
    iotest::write_bytes(dir / "big-idx3-ubyte.gz", dqt::idx_images_gz(ds.pixels.data(), ds.n, 28, 28));
    iotest::write_bytes(dir / "big-idx1-ubyte.gz", dqt::idx_labels_gz(ds.labels.data(), ds.n));
    std::string cmd = std::string("'") + DQ_TRAINER_BIN + "' baseline --method l2 --bits 16 --dataset " +
                      (dir / "big-idx3-ubyte.gz") + " --trials 1000 --out " + (dir / "rep") + " > " + (dir / "out") +
                      " 2> " + (dir / "err") + " & pid=$!; sleep 1.5; kill -INT $pid; wait $pid; echo $? > " +
                      (dir / "status");
    REQUIRE(std::system(cmd.c_str()) == 0);
    auto st = iotest::read_bytes(dir / "status");
    CHECK(std::string(st.begin(), st.end()) == "130\n");
    auto err = iotest::read_bytes(dir / "err");
    CHECK_THAT(std::string(err.begin(), err.end()), Contains("interrupted"));
    auto out = iotest::read_bytes(dir / "out");
    CHECK_THAT(std::string(out.begin(), out.end()), Contains("l2 16 bits seed 0"));  // it was running
    CHECK(iotest::read_bytes(dir / "rep/report.json").empty());
    CHECK(std::system(("ls '" + (dir / "rep") + "' 2>/dev/null | grep -q tmp-").c_str()) != 0);
}

// The bundled datasets' own validated values live in the recipe (train/recipe.cpp), which the flags
// reach through parse_train_config: present where documented, absent elsewhere, never over a given flag.

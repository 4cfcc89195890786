// Image folders (data/image_folder.h) and `deepquan train / encode --images`: listing order, labels,
// symlinks counted once, bad files reported by name, pixels equal to dq::preprocess_rgba of the
// decoded file, and an end-to-end run on a tiny folder.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "data/image_decode.h"
#include "data/image_folder.h"
#include "dq/format.h"
#include "dq/image.h"
#include "image_fixtures.h"
#include "io_test_util.h"
#include "test_support.h"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using iotest::TempDir;
using iotest::Run;
using iotest::run;

namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> gray_png(std::vector<uint16_t> v, uint32_t h, uint32_t w) {
    imgtest::PngSpec s;
    s.color_type = PNG_COLOR_TYPE_GRAY;
    s.height = h;
    s.width = w;
    s.samples = std::move(v);
    return imgtest::write_png(s);
}

// The tree of the listing test; `outside` holds the target of a link that leaves DIR.
void make_tree(const std::string& root, const std::string& outside) {
    for (const char* d : {"animals/deep", "birds", "bad", "empty"}) fs::create_directories(root + "/" + d);
    fs::create_directories(outside);
    imgtest::write_bytes(root + "/animals/cat.png", gray_png({0, 100, 200, 255}, 2, 2));
    imgtest::write_bytes(root + "/animals/dog.jpg", imgtest::flat_jpeg(8, 8, JCS_GRAYSCALE, {60}));
    imgtest::write_bytes(root + "/animals/deep/nested.png", gray_png({10, 20, 30, 40, 50, 60, 70, 80, 90}, 3, 3));
    imgtest::PngSpec pal;
    pal.color_type = PNG_COLOR_TYPE_PALETTE;
    pal.bit_depth = 4;
    pal.palette = {{255, 0, 0}, {0, 0, 255}};
    pal.palette_alpha = {0};
    pal.height = 2;
    pal.width = 2;
    pal.samples = {0, 1, 1, 1};
    imgtest::write_bytes(root + "/birds/owl.PNG", imgtest::write_png(pal));
    imgtest::write_bytes(root + "/top.png", gray_png({255}, 1, 1));
    imgtest::write_bytes(root + "/.hidden.png", gray_png({1}, 1, 1));
    imgtest::write_bytes(root + "/notes.txt", {'h', 'i'});
    const std::string text = "not an image\n";
    imgtest::write_bytes(root + "/bad/text.png", std::vector<uint8_t>(text.begin(), text.end()));
    std::vector<uint8_t> jpg = imgtest::flat_jpeg(64, 64, JCS_RGB, {1, 2, 3});
    jpg.resize(jpg.size() / 2);
    imgtest::write_bytes(root + "/bad/cut.jpg", jpg);
    imgtest::write_bytes(outside + "/ext.png", gray_png({7}, 1, 1));
    fs::create_symlink("../animals/cat.png", root + "/birds/cat-link.png");
    fs::create_directory_symlink("birds", root + "/aaa-link");
    fs::create_directory_symlink(".", root + "/loop");
    fs::create_symlink(outside + "/ext.png", root + "/outside-link.png");
    fs::create_symlink("nowhere.png", root + "/dangling.png");
}

}  // namespace

TEST_CASE("image folder: sorted listing, sub-folder labels, each file once, links resolved", "[image][folder]") {
    TempDir t;
    const std::string root = t / "dir";
    make_tree(root, t / "outside");
    const dqt::ImageFolderListing l = dqt::list_image_folder(root);
    std::vector<std::string> rel;
    std::vector<int32_t> labels;
    for (const auto& f : l.files) {
        rel.push_back(f.relpath);
        labels.push_back(f.label);
        CHECK(f.path == root + "/" + f.relpath);
    }
    // aaa-link/cat-link.png, aaa-link/owl.PNG and birds/cat-link.png lead to files whose own
    // location inside DIR is listed: those win, so cat stays an animal and owl a bird. The loop link
    // is not entered; the link that leaves DIR is the only path to its file, so it stays.
    CHECK(rel == std::vector<std::string>{"animals/cat.png", "animals/deep/nested.png", "animals/dog.jpg", "bad/cut.jpg",
                                          "bad/text.png", "birds/owl.PNG", "dangling.png", "outside-link.png",
                                          "top.png"});
    CHECK(l.label_names == std::vector<std::string>{"animals", "bad", "birds"});   // "empty" holds no image
    CHECK(labels == std::vector<int32_t>{0, 0, 0, 1, 1, 2, -1, -1, -1});
    CHECK(l.aliases == 3);
    CHECK_THROWS_WITH(dqt::list_image_folder(t / "missing"), Contains("missing: not a directory"));
    CHECK_THROWS_WITH(dqt::list_image_folder(root + "/top.png"), Contains("top.png: not a directory"));
}

TEST_CASE("image folder: decoded and preprocessed rows, bad files by name, thread-independent", "[image][folder]") {
    TempDir t;
    const std::string root = t / "dir";
    make_tree(root, t / "outside");
    dqt::ImageFolderOptions opt;
    opt.input.height = 1;
    opt.input.width = 1;
    opt.input.channels = 1;
    opt.input.background = 0x000000;
    opt.thumb_height = 2;
    opt.thumb_width = 2;
    const dqt::ImageFolder f = dqt::load_image_folder(root, opt);
    REQUIRE(f.bad.size() == 3);
    CHECK_THAT(f.bad[0], Contains(root + "/bad/cut.jpg: JPEG: truncated"));
    CHECK(f.bad[1] == root + "/bad/text.png: not a PNG or JPEG image");
    CHECK_THAT(f.bad[2], Contains(root + "/dangling.png: cannot open"));
    const dqt::Dataset& d = f.data;
    REQUIRE(d.n == 6);
    CHECK(d.strings == std::vector<std::string>{"animals/cat.png", "animals/deep/nested.png", "animals/dog.jpg",
                                                "birds/owl.PNG", "outside-link.png", "top.png"});
    CHECK(d.labels == std::vector<int32_t>{0, 0, 0, 2, -1, -1});
    CHECK(d.label_names == std::vector<std::string>{"animals", "bad", "birds"});
    CHECK(d.input.from_image_files);
    CHECK(d.input.background == 0u);
    CHECK(d.dim == 1);
    // cat: the mean of 0, 100, 200, 255; nested: the 3x3 mean 50; owl: one transparent red pixel over
    // black and three blue ones, luma 114 · 255 · 3/4 / 1000 = 21.8.
    CHECK(int(d.pixels[0]) == 139);
    CHECK(int(d.pixels[1]) == 50);
    CHECK(int(d.pixels[3]) == 22);
    CHECK(int(d.pixels[5]) == 255);
    CHECK(d.x[0] == 139.0f * (1.0f / 255.0f));
    // Every row is preprocess_rgba of the decoded file; thumbnails are the RGB version at their size.
    for (size_t i = 0; i < d.n; ++i) {
        const dqt::DecodedImage img = dqt::decode_image_file(root + "/" + d.strings[i]);
        CHECK(dq::preprocess_rgba(img.rgba.data(), img.height, img.width, opt.input)[0] == d.pixels[i]);
        dq::ImageTarget th = opt.input;
        th.height = th.width = 2;
        th.channels = 3;
        const std::vector<uint8_t> want = dq::preprocess_rgba(img.rgba.data(), img.height, img.width, th);
        CHECK(std::vector<uint8_t>(d.thumbs.begin() + long(i * 12), d.thumbs.begin() + long(i * 12 + 12)) == want);
    }
    CHECK(d.thumbs.size() == 6 * 12);
    CHECK(std::vector<int>(d.thumbs.begin() + 36, d.thumbs.begin() + 42) == std::vector<int>{0, 0, 0, 0, 0, 255});

    dqtest::OmpThreads one(1);
    const dqt::ImageFolder g = dqt::load_image_folder(root, opt);
    CHECK(g.data.pixels == d.pixels);
    CHECK(g.data.thumbs == d.thumbs);
    CHECK(g.bad == f.bad);
}

TEST_CASE("image size flags parse HxW", "[image][folder]") {
    uint32_t h = 0, w = 0;
    dqt::parse_image_size("48x32", "--size", &h, &w);
    CHECK(h == 48);
    CHECK(w == 32);
    for (const char* bad : {"", "32", "x32", "32x", "0x4", "4x0", "16385x1", "3x4x5", "-1x2", "axb", "32X32"})
        CHECK_THROWS_WITH(dqt::parse_image_size(bad, "--size", &h, &w), Contains("expected HxW"));
}

TEST_CASE("train and encode --images on a tiny folder", "[image][folder][cli]") {
    TempDir t;
    const std::string root = t / "imgs";
    // Two classes of 130 RGB images, 12x12 (K = 256 codewords need 256 training images): red-ish
    // horizontal stripes, blue-ish vertical ones.
    dqtest::Rng rng(3);
    for (int cls = 0; cls < 2; ++cls) {
        const std::string sub = root + (cls ? "/vertical" : "/horizontal");
        fs::create_directories(sub);
        for (int i = 0; i < 130; ++i) {
            const int phase = int(rng.below(4));
            imgtest::write_bytes(sub + "/" + std::to_string(i) + ".png", imgtest::rgb_png(12, 12, [&](uint32_t y, uint32_t x, int c) {
                const uint32_t u = cls ? x : y;
                const int on = (u + phase) / 2 % 2;
                return c == (cls ? 2 : 0) ? 80 + 170 * on : 30 + int(rng.below(20));
            }));
        }
    }
    const std::string common = "--bits 8 --size 8x8 --channels 3 --background '#102030' --thumbnail-size 6x6 "
                               "--queries-per-class 2 --pretrain-iterations 30 --iterations 4 --batch 8 --threads 1";
    Run r = run(t, "train --images " + root + " " + common + " --out " + (t / "out"));
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto mb = iotest::read_bytes(t / "out/model.dqm");
    const dq::Model m = dq::read_model(mb.data(), mb.size());
    CHECK(m.input.height == 8);
    CHECK(m.input.width == 8);
    CHECK(m.input.channels == 3);
    CHECK(m.layers[0].in == 192);   // the autoencoder follows the data
    CHECK(m.input.from_image_files);
    CHECK(m.input.background == 0x102030u);
    auto gb = iotest::read_bytes(t / "out/gallery.dqdb");
    const dq::Database g = dq::read_database(gb.data(), gb.size());
    CHECK(g.size() == 256);
    CHECK(g.label_names == std::vector<std::string>{"horizontal", "vertical"});
    CHECK(g.thumb_height == 6);
    CHECK(g.thumb_width == 6);
    CHECK(g.thumb_channels == 3);
    REQUIRE(g.strings.size() == 256);
    CHECK_THAT(g.strings[0], EndsWith(".png"));

    // encode: the whole folder with the model's preprocessing; the gallery items get the same codes.
    r = run(t, "encode --images " + root + " --model " + (t / "out/model.dqm") + " --out " + (t / "all.dqdb"));
    REQUIRE(r.status == 0);
    auto ab = iotest::read_bytes(t / "all.dqdb");
    const dq::Database all = dq::read_database(ab.data(), ab.size());
    REQUIRE(all.size() == 260);
    CHECK(all.strings[0] == "horizontal/0.png");
    CHECK(all.label_names == g.label_names);
    CHECK(all.thumb_channels == 3);   // the model's input pixels, 8x8x3
    CHECK(all.thumb_height == 8);
    std::map<std::string, size_t> row;
    for (size_t i = 0; i < all.size(); ++i) row[all.strings[i]] = i;
    for (size_t i = 0; i < g.size(); ++i) {
        INFO(g.strings[i]);
        REQUIRE(row.count(g.strings[i]) == 1);
        const size_t j = row[g.strings[i]];
        CHECK(all.codes[j * all.M] == g.codes[i * g.M]);
        CHECK(all.labels[j] == g.labels[i]);
    }

    // search with a PNG of the folder: ADC puts the item itself first (ties go to the lower id, 0),
    // named by its label's folder and its path.
    r = run(t, "search --model " + (t / "out/model.dqm") + " --db " + (t / "all.dqdb") + " --image " + root +
                   "/horizontal/0.png -k 2");
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Contains("    1          0 ") && Contains("horizontal  horizontal/0.png\n"));
    r = run(t, "search --model " + (t / "out/model.dqm") + " --db " + (t / "all.dqdb") + " --image " + root +
                   "/horizontal/0.png:1");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("a PNG or JPEG file holds one image"));

    // The classic baselines read the same folder the same way: exact L2 on the 8x8 RGB pixels tells
    // red horizontal stripes from blue vertical ones almost perfectly. A share of each label as queries:
    // 10% of 130 = 13 per label, in train and baseline alike (K = 16 here: 234 gallery images are too
    // few for 256 codewords).
    r = run(t, "baseline --method l2 --bits 16 --images " + root + " --size 8x8 --channels 3 --background '#102030' "
                   "--queries-per-class 10% --out " + (t / "l2"));
    INFO(r.err + r.out);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.err, Contains("images: 260 decoded from " + root + " (2 labels)"));
    {
        auto rep = iotest::read_bytes(t / "l2/report.json");
        const std::string js(rep.begin(), rep.end());
        CHECK_THAT(js, Contains("\"images\": \"" + root + "\""));
        const size_t at = js.find("\"map_all\": ");
        REQUIRE(at != std::string::npos);
        CHECK(std::stod(js.substr(at + 11)) > 0.95);
    }
    r = run(t, "train --images " + root + " --bits 8 --codeword-bits 4 --size 8x8 --channels 3 --queries-per-class 10% "
                   "--pretrain-iterations 30 --iterations 4 --batch 8 --threads 1 --out " + (t / "pct"));
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.err, Contains("26 queries, 234 gallery"));
    {
        auto rep = iotest::read_bytes(t / "pct/report.json");
        CHECK_THAT(std::string(rep.begin(), rep.end()), Contains("\"queries_per_class\": \"10%\""));
    }
    r = run(t, "baseline --method pq --bits 8 --images " + root + " --dataset mnist10k");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("give one of --dataset and --images"));
    r = run(t, "baseline --method pq --bits 8 --dataset mnist10k --size 8x8");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--size needs --images DIR"));
    r = run(t, "baseline --method pq --bits 8 --images " + root + " --queries-per-class 0%");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--queries-per-class: '0%' is neither a count"));

    // A bad file stops the run before training, naming it; --skip-bad counts and leaves it out.
    imgtest::write_bytes(root + "/vertical/broken.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
    r = run(t, "train --images " + root + " " + common + " --out " + (t / "out2"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains(root + "/vertical/broken.png: PNG: truncated"));
    CHECK_THAT(r.err, Contains("1 bad image file(s), listed above; --skip-bad leaves them out"));
    CHECK_THAT(r.err, !Contains("pretrain"));
    CHECK(!fs::exists(t / "out2/model.dqm"));
    r = run(t, "encode --images " + root + " --model " + (t / "out/model.dqm") + " --skip-bad --out " + (t / "b.dqdb"));
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Contains("1 bad file(s) skipped"));

    // Flags that only make sense with a folder, and a model that was not trained on image files.
    r = run(t, "train --dataset x --size 8x8 --bits 8 --out " + (t / "o3"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--size needs --images DIR"));
    r = run(t, "train --images " + root + " --dataset mnist10k --bits 8 --out " + (t / "o3"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("give one of --dataset and --images"));
    r = run(t, "train --images " + root + " --queries-per-class 130 --skip-bad --bits 8 --out " + (t / "o3"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains(root + "/horizontal: 130 images, needs more than 130 to give 130 queries"));
    r = run(t, "train --images " + root + " --channels 2 --bits 8 --out " + (t / "o3"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("--channels must be 1 (gray) or 3 (RGB)"));
    r = run(t, "train --images " + root + " --background pink --bits 8 --out " + (t / "o3"));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Contains("background 'pink'"));
    dq::Model plain = m;
    plain.input.from_image_files = false;
    iotest::write_bytes(t / "plain.dqm", dq::write_model(plain));
    r = run(t, "encode --images " + root + " --model " + (t / "plain.dqm") + " --out " + (t / "c.dqdb"));
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Contains("was not trained on image files"));
}

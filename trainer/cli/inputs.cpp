#include "cli/inputs.h"

#include <cstdio>
#include <functional>

#include "dq/error.h"
#include "dq/format.h"
#include "dq/image.h"
#include "util/atomic_file.h"

namespace dqt {

dq::Model load_model(const std::string& path) {
    std::vector<uint8_t> b = read_file(path);
    try {
        return dq::read_model(b.data(), b.size());
    } catch (const dq::Error& e) {
        throw dq::Error(path + ": " + e.what());
    }
}

dq::Database load_database(const std::string& path) {
    std::vector<uint8_t> b = read_file(path);
    try {
        return dq::read_database(b.data(), b.size());
    } catch (const dq::Error& e) {
        throw dq::Error(path + ": " + e.what());
    }
}

ModelAndDatabase load_model_and_database(const Args& a) {
    ModelAndDatabase md{load_model(a.required("model")), load_database(a.required("db"))};
    try {
        dq::check_compatible(md.model, md.db);  // before dq::Index does, so that the message names the file
    } catch (const dq::Error& e) {
        throw dq::Error(a.str("db") + ": " + e.what());
    }
    return md;
}

QueryCount query_count(const Args& a) {
    try {
        return parse_query_count(a.str("queries-per-class", "100"));
    } catch (const dq::Error& e) {
        throw UsageError(std::string("--queries-per-class: ") + e.what());
    }
}

Dataset load_labelled(const Args& a, const QueryCount& count) {
    if (!a.has("images")) {
        Dataset all = load_dataset(a.required("dataset"), a.str("labels"));
        if (!all.has_labels())
            throw dq::Error("dataset " + all.name + " has no labels (pass --labels FILE): the paper split needs them");
        return all;
    }
    const std::string dir = a.required("images");
    Dataset all = load_images(a, image_options(a));
    if (all.label_names.empty())
        throw dq::Error(dir + ": no sub-folders, so no labels for the evaluation split; put each class's images in a "
                        "sub-folder of it (deepquan encode --images takes unlabelled folders)");
    std::vector<uint32_t> labelled;
    for (size_t i = 0; i < all.n; ++i)
        if (all.labels[i] >= 0) labelled.push_back(uint32_t(i));
    if (labelled.size() < all.n) {
        std::fprintf(stderr, "images: %zu files directly in %s have no label and are left out of training and "
                     "evaluation\n", all.n - labelled.size(), dir.c_str());
        all = subset(all, labelled);
    }
    // The paper split's own check, said in the folder's terms.
    std::vector<size_t> n_of(all.label_names.size(), 0);
    for (int32_t l : all.labels) ++n_of[size_t(l)];
    for (size_t l = 0; l < n_of.size(); ++l)
        if (n_of[l] > 0 && n_of[l] <= count.of(n_of[l]))
            throw dq::Error(dq::strformat("%s/%s: %zu images, needs more than %zu to give %zu queries and leave a "
                                          "gallery (--queries-per-class %s)", dir.c_str(), all.label_names[l].c_str(),
                                          n_of[l], count.of(n_of[l]), count.of(n_of[l]), count.to_string().c_str()));
    return all;
}

LoadedSplit load_split(const Args& a, uint64_t seed) {
    const QueryCount count = query_count(a);
    return split_loaded(load_labelled(a, count), count, seed);
}

ImageFolderOptions image_options(const Args& a) {
    ImageFolderOptions o;
    auto usage = [](const std::function<void()>& f) {
        try {
            f();
        } catch (const dq::Error& e) {
            throw UsageError(e.what());
        }
    };
    usage([&] { parse_image_size(a.str("size", "32x32"), "--size", &o.input.height, &o.input.width); });
    o.input.channels = uint32_t(a.integer("channels", 1, 1, 3));
    if (o.input.channels == 2) throw UsageError("--channels must be 1 (gray) or 3 (RGB), got 2");
    usage([&] { o.input.background = dq::parse_background(a.str("background", "white")); });
    if (a.has("thumbnail-size"))
        usage([&] { parse_image_size(a.str("thumbnail-size"), "--thumbnail-size", &o.thumb_height, &o.thumb_width); });
    usage([&] { dq::validate(o.input); });
    if (uint64_t(o.input.height) * o.input.width * o.input.channels > dq::kMaxWidth)
        throw UsageError(dq::strformat("--size %ux%u with %u channels is %llu inputs, more than a model takes (%u)",
                                       o.input.height, o.input.width, o.input.channels,
                                       (unsigned long long)o.input.height * o.input.width * o.input.channels, dq::kMaxWidth));
    return o;
}

Dataset load_images(const Args& a, const ImageFolderOptions& opt) {
    const std::string dir = a.required("images");
    ImageFolder f = load_image_folder(dir, opt);
    for (const std::string& m : f.bad) std::fprintf(stderr, "bad image: %s\n", m.c_str());
    if (!f.bad.empty() && !a.has("skip-bad"))
        throw dq::Error(dq::strformat("%s: %zu bad image file(s), listed above; --skip-bad leaves them out", dir.c_str(),
                                      f.bad.size()));
    std::fprintf(stderr, "images: %zu decoded from %s (%zu labels)%s%s\n", f.data.n, dir.c_str(), f.data.label_names.size(),
                 f.bad.empty() ? "" : dq::strformat(", %zu bad file(s) skipped", f.bad.size()).c_str(),
                 f.aliases ? dq::strformat(", %zu links to files already taken skipped", f.aliases).c_str() : "");
    if (f.data.n == 0) throw dq::Error(dir + ": no PNG or JPEG image in it");
    return std::move(f.data);
}

bool is_dqdb(const std::string& path) {
    return path.size() >= 5 && path.compare(path.size() - 5, 5, ".dqdb") == 0;
}

std::vector<float> scale_pixels(const uint8_t* px, size_t count, const dq::Model& m) {
    std::vector<float> x(count);
    for (size_t i = 0; i < count; ++i) x[i] = float(px[i]) * m.input.scale;
    return x;
}

void check_dims(const std::string& what, const dq::InputSpec& got, const dq::Model& m) {
    if (got.dim() != m.input_dim())
        throw dq::Error(dq::strformat("%s has %u values per image (%u×%u×%u), the model expects %u (%u×%u×%u)",
                                      what.c_str(), got.dim(), got.height, got.width, got.channels, m.input_dim(),
                                      m.input.height, m.input.width, m.input.channels));
}

dq::InputSpec thumbnail_spec(const dq::Database& db) {
    dq::InputSpec s;
    s.height = db.thumb_height;
    s.width = db.thumb_width;
    s.channels = db.thumb_channels;
    return s;
}

std::string eval_line(const EvalResult& r) {
    return dq::strformat("%-7s MAP@All %.2f  MAP@%zu %.2f  P@%zu %.2f  (%.1fs)", r.mode.c_str(),
                         100 * r.metrics.map_all, r.map_k, 100 * r.metrics.map_at_k, r.prec_k,
                         100 * r.metrics.precision_at_k, r.seconds);
}

}  // namespace dqt

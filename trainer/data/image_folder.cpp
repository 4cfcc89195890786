// A folder of PNG / JPEG files as a Dataset (image_folder.h).
#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <new>

#include "data/image_decode.h"
#include "dq/error.h"

namespace dqt {

namespace fs = std::filesystem;

namespace {

bool has_image_extension(const std::string& name) {
    const size_t dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string ext = name.substr(dot + 1);
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "jpe";
}

struct Candidate {
    std::string rel;
    std::string canon;   // "" for a dangling link (decoding it then reports the problem)
    bool real;           // no symlink on the way from DIR
};

void walk(const fs::path& root, const std::string& rel, bool via_link, std::vector<std::string>& ancestors,
          std::vector<Candidate>& out) {
    const fs::path here = rel.empty() ? root : root / rel;
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(here, ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) {
        if (rel.empty()) throw dq::Error(root.string() + ": cannot list the directory: " + ec.message());
        out.push_back({rel + "/", "", false});   // reported as a bad entry, never silently dropped
        return;
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        if (name.empty() || name[0] == '.') continue;
        const fs::path p = here / name;
        const std::string child = rel.empty() ? name : rel + "/" + name;
        const bool link = fs::is_symlink(fs::symlink_status(p, ec));
        const fs::file_status st = fs::status(p, ec);
        if (ec || !fs::exists(st)) {
            if (has_image_extension(name)) out.push_back({child, "", false});
            continue;
        }
        if (fs::is_directory(st)) {
            const std::string canon = fs::canonical(p, ec).string();
            if (ec || std::find(ancestors.begin(), ancestors.end(), canon) != ancestors.end()) continue;
            ancestors.push_back(canon);
            walk(root, child, via_link || link, ancestors, out);
            ancestors.pop_back();
        } else if (fs::is_regular_file(st) && has_image_extension(name)) {
            const std::string canon = fs::canonical(p, ec).string();
            out.push_back({child, ec ? "" : canon, !(via_link || link)});
        }
    }
}

}  // namespace

ImageFolderListing list_image_folder(const std::string& dir) {
    std::error_code ec;
    DQ_CHECK(fs::is_directory(dir, ec), "%s: not a directory", dir.c_str());
    const fs::path root(dir);
    std::vector<std::string> ancestors = {fs::canonical(root, ec).string()};
    std::vector<Candidate> all;
    walk(root, "", false, ancestors, all);
    std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.rel < b.rel; });

    // One winner per real file: its own location inside DIR if listed, else its first path.
    std::map<std::string, size_t> winner;
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].canon.empty()) continue;
        auto it = winner.find(all[i].canon);
        if (it == winner.end()) winner.emplace(all[i].canon, i);
        else if (all[i].real && !all[it->second].real) it->second = i;
    }
    ImageFolderListing l;
    std::vector<const Candidate*> kept;
    for (size_t i = 0; i < all.size(); ++i) {
        if (!all[i].canon.empty() && winner[all[i].canon] != i) {
            ++l.aliases;
            continue;
        }
        kept.push_back(&all[i]);
    }
    std::map<std::string, int32_t> label_of;
    for (const Candidate* c : kept) {
        const size_t slash = c->rel.find('/');
        if (slash != std::string::npos && slash + 1 < c->rel.size()) label_of[c->rel.substr(0, slash)] = 0;
    }
    for (auto& [name, label] : label_of) {
        label = int32_t(l.label_names.size());
        l.label_names.push_back(name);
    }
    for (const Candidate* c : kept) {
        ImageFolderFile f;
        f.relpath = c->rel;
        f.path = (root / c->rel).string();
        const size_t slash = c->rel.find('/');
        if (slash != std::string::npos && slash + 1 < c->rel.size()) f.label = label_of[c->rel.substr(0, slash)];
        l.files.push_back(std::move(f));
    }
    return l;
}

ImageFolder load_image_folder(const std::string& dir, const ImageFolderOptions& opt) {
    dq::validate(opt.input);
    dq::ImageTarget thumb;
    thumb.height = opt.thumb_height;
    thumb.width = opt.thumb_width;
    thumb.channels = 3;
    thumb.background = opt.input.background;
    const bool thumbs = opt.thumb_height && opt.thumb_width;
    if (thumbs) dq::validate(thumb);

    ImageFolderListing l = list_image_folder(dir);
    const size_t n = l.files.size(), dim = opt.input.bytes(), tb = thumbs ? thumb.bytes() : 0;
    std::vector<uint8_t> pixels(n * dim), thumb_px(n * tb);
    std::vector<std::string> error(n);
#pragma omp parallel for schedule(dynamic, 4)
    for (long long i = 0; i < (long long)n; ++i) {
        const ImageFolderFile& f = l.files[size_t(i)];
        try {
            if (f.relpath.back() == '/') throw dq::Error(f.path + ": cannot list the directory");
            const DecodedImage img = decode_image_file(f.path);
            dq::preprocess_rgba(img.rgba.data(), img.height, img.width, opt.input, &pixels[size_t(i) * dim]);
            if (thumbs) dq::preprocess_rgba(img.rgba.data(), img.height, img.width, thumb, &thumb_px[size_t(i) * tb]);
        } catch (const dq::Error& e) {
            error[size_t(i)] = e.what();
        } catch (const std::bad_alloc&) {
            error[size_t(i)] = f.path + ": out of memory while decoding";
        }
    }

    ImageFolder out;
    out.aliases = l.aliases;
    Dataset& d = out.data;
    d.name = dir;
    d.input.height = opt.input.height;
    d.input.width = opt.input.width;
    d.input.channels = opt.input.channels;
    d.input.scale = 1.0f / 255.0f;
    d.input.from_image_files = true;
    d.input.background = opt.input.background;
    d.dim = dim;
    d.label_names = l.label_names;
    if (thumbs) {
        d.thumb_height = thumb.height;
        d.thumb_width = thumb.width;
    }
    const bool labelled = !l.label_names.empty();
    size_t kept = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!error[i].empty()) {
            out.bad.push_back(error[i]);
            continue;
        }
        // Compacted in place: row kept <= i.
        std::copy_n(&pixels[i * dim], dim, &pixels[kept * dim]);
        if (thumbs) std::copy_n(&thumb_px[i * tb], tb, &thumb_px[kept * tb]);
        if (labelled) d.labels.push_back(l.files[i].label);
        d.strings.push_back(l.files[i].relpath);
        ++kept;
    }
    pixels.resize(kept * dim);
    thumb_px.resize(kept * tb);
    d.n = kept;
    d.x.resize(kept * dim);
    for (size_t i = 0; i < d.x.size(); ++i) d.x[i] = float(pixels[i]) * d.input.scale;
    d.pixels = std::move(pixels);
    d.thumbs = std::move(thumb_px);
    return out;
}

void parse_image_size(const std::string& text, const char* what, uint32_t* height, uint32_t* width) {
    const size_t x = text.find('x');
    unsigned long long v[2] = {0, 0};
    bool ok = x != std::string::npos && x > 0 && x + 1 < text.size();
    for (int k = 0; ok && k < 2; ++k) {
        const std::string part = k == 0 ? text.substr(0, x) : text.substr(x + 1);
        ok = part.size() <= 6 && part.find_first_not_of("0123456789") == std::string::npos;
        if (ok) v[k] = std::stoull(part);
        ok = ok && v[k] >= 1 && v[k] <= dq::kMaxImageSide;
    }
    DQ_CHECK(ok, "%s '%s': expected HxW with each side in [1, %u], e.g. 32x32", what, text.c_str(), dq::kMaxImageSide);
    *height = uint32_t(v[0]);
    *width = uint32_t(v[1]);
}

}  // namespace dqt

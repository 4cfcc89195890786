#include "export/collection_writer.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "dq/error.h"
#include "dq/fnv.h"
#include "dq/format.h"
#include "util/atomic_file.h"
#include "util/json_writer.h"

namespace dqt {

namespace {

std::string hex64(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
    return buf;
}

std::string file_name(const char* what, const std::string& tag, size_t i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%s-%04zu.dqdb", what, tag.c_str(), i);
    return buf;
}

/// The file names the manifest at `path` lists, or none if there is no readable manifest. Only names
/// this writer makes are considered, so a hand-edited manifest can never make it delete other files.
std::set<std::string> listed_files(const std::string& path) {
    std::set<std::string> out;
    std::ifstream f(path);
    if (!f) return out;
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string s = ss.str();
    for (size_t p = s.find("\"file\": \""); p != std::string::npos; p = s.find("\"file\": \"", p + 1)) {
        const size_t b = p + 9, e = s.find('"', b);
        if (e == std::string::npos) break;
        const std::string name = s.substr(b, e - b);
        const bool ours = (name.rfind("codes-", 0) == 0 || name.rfind("media-", 0) == 0) &&
                          name.find('/') == std::string::npos && name.size() > 5 &&
                          name.compare(name.size() - 5, 5, ".dqdb") == 0;
        if (ours) out.insert(name);
    }
    return out;
}

}  // namespace

CollectionWritten write_collection(const dq::Database& db, const std::string& dir, const CollectionLayout& layout) {
    DQ_CHECK(layout.codes_per_file >= 1, "collection: codes per file must be at least 1");
    DQ_CHECK(db.size() >= 1, "collection: the database is empty");
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
        throw dq::Error("collection: cannot create " + dir + ": " + std::strerror(errno));
    const bool media = layout.media_per_file > 0 && (db.has_thumbnails() || !db.strings.empty());
    // The tag: the database's codes, ids and sizes (two databases with other codes never share names).
    uint64_t h = dq::fnv1a(db.codes.data(), db.codes.size());
    h = dq::fnv1a(db.ids.data(), db.ids.size() * sizeof(uint32_t), h);
    const size_t sizes[3] = {db.size(), layout.codes_per_file, media ? layout.media_per_file : 0};
    h = dq::fnv1a(sizes, sizeof sizes, h);
    const std::string tag = hex64(h).substr(0, 12);

    CollectionWritten w;
    JsonWriter j;
    j.begin_object();
    j.key("format").value("deepquan-collection");
    j.key("version").value(1);
    j.key("items").value((unsigned long long)db.size());
    j.key("M").value(db.M);
    j.key("K").value(db.K);
    j.key("modelFingerprint").value(hex64(db.model_fingerprint));
    j.key("codes").begin_array();
    for (size_t b = 0, i = 0; b < db.size(); b += layout.codes_per_file, ++i) {
        const size_t e = std::min(db.size(), b + layout.codes_per_file);
        dq::Database part = dq::slice(db, b, e);
        part.thumb_height = part.thumb_width = part.thumb_channels = 0;
        part.thumbnails.clear();
        part.strings.clear();
        const std::vector<uint8_t> bytes = dq::write_database(part);
        const std::string name = file_name("codes", tag, i);
        write_file_atomic(dir + "/" + name, bytes);
        w.codes_files++;
        w.bytes += bytes.size();
        j.begin_object().key("file").value(name).key("items").value((unsigned long long)(e - b)).end_object();
    }
    j.end_array();
    j.key("media");
    if (!media) {
        j.null();
    } else {
        j.begin_object();
        j.key("itemsPerFile").value((unsigned long long)layout.media_per_file);
        j.key("thumbShape");
        if (db.has_thumbnails())
            j.begin_array().value(db.thumb_height).value(db.thumb_width).value(db.thumb_channels).end_array();
        else
            j.null();
        j.key("strings").value(!db.strings.empty());
        j.key("files").begin_array();
        for (size_t b = 0, i = 0; b < db.size(); b += layout.media_per_file, ++i) {
            const size_t e = std::min(db.size(), b + layout.media_per_file);
            const std::vector<uint8_t> bytes = dq::write_database(dq::slice(db, b, e));
            const std::string name = file_name("media", tag, i);
            write_file_atomic(dir + "/" + name, bytes);
            w.media_files++;
            w.bytes += bytes.size();
            j.begin_object().key("file").value(name).key("items").value((unsigned long long)(e - b)).end_object();
        }
        j.end_array();
        j.end_object();
    }
    j.end_object();
    const std::string manifest = dir + "/collection.json";
    const std::set<std::string> before = listed_files(manifest);
    write_file_atomic(manifest, j.str() + "\n");
    const std::set<std::string> now = listed_files(manifest);
    for (const std::string& f : before)
        if (!now.count(f)) std::remove((dir + "/" + f).c_str());
    return w;
}

}  // namespace dqt

// gallery.dqdb: write_database / read_database (layout in dq/format.h).
#include "dq/error.h"
#include "dq/format.h"
#include "format_layout.h"
#include "format_sections.h"

namespace dq {

using namespace fmt;

namespace {

constexpr uint32_t kHEAD = fourcc("HEAD"), kCODE = fourcc("CODE"), kIDS = fourcc("IDS_"),
                   kLABL = fourcc("LABL"), kTHMB = fourcc("THMB"), kSTRS = fourcc("STRS"),
                   kLNAM = fourcc("LNAM");
constexpr uint32_t kHeadFields = 6;   // N, M, K, thumb height, width, channels

}  // namespace

std::vector<uint8_t> write_database(const Database& db) {
    db.validate();
    const uint64_t n = db.size();
    std::vector<SectionOut> out;
    const std::vector<uint32_t> head = {uint32_t(n), db.M, db.K, db.thumb_height, db.thumb_width, db.thumb_channels};
    out.push_back(section(kHEAD, DType::u32, {kHeadFields}, u32_bytes(head)));
    out.push_back(section(kCODE, DType::u8, {n, db.M}, db.codes));
    out.push_back(section(kIDS, DType::u32, {n}, u32_bytes(db.ids)));
    if (db.has_labels()) out.push_back(section(kLABL, DType::i32, {n}, u32_bytes(db.labels)));
    if (db.thumb_height) {
        out.push_back(section(kTHMB, DType::u8, {n, db.thumb_height, db.thumb_width, db.thumb_channels},
                              db.thumbnails));
    }
    if (!db.strings.empty()) {
        // u32 offsets[N + 1] into the blob that follows (offsets[0] = 0, offsets[N] = blob size).
        std::vector<uint32_t> offsets(n + 1, 0);
        for (size_t i = 0; i < n; ++i) offsets[i + 1] = offsets[i] + uint32_t(db.strings[i].size());
        std::vector<uint8_t> b = u32_bytes(offsets);
        for (const std::string& s : db.strings) b.insert(b.end(), s.begin(), s.end());
        const uint64_t bytes = b.size();  // not in the same call as the move (unsequenced)
        out.push_back(section(kSTRS, DType::u8, {bytes}, std::move(b)));
    }
    if (!db.label_names.empty()) {
        // u32 count L, u32 offsets[L + 1] into the blob that follows, as STRS; optional, so a reader
        // that predates it still reads the rest.
        const size_t L = db.label_names.size();
        std::vector<uint32_t> head(L + 2, 0);
        head[0] = uint32_t(L);
        for (size_t i = 0; i < L; ++i) head[i + 2] = head[i + 1] + uint32_t(db.label_names[i].size());
        std::vector<uint8_t> b = u32_bytes(head);
        for (const std::string& s : db.label_names) b.insert(b.end(), s.begin(), s.end());
        const uint64_t bytes = b.size();
        out.push_back(section(kLNAM, DType::u8, {bytes}, std::move(b), 0));
    }
    return write_container(FileKind::database, db.model_fingerprint, out);
}

Database read_database(const uint8_t* data, size_t size) {
    const Container c = parse_container(FileKind::database, data, size);
    const SectionIn *head = nullptr, *code = nullptr, *ids = nullptr, *labl = nullptr, *thmb = nullptr,
                    *strs = nullptr, *lnam = nullptr;
    for (const SectionIn& s : c.sections) {
        if (s.kind == kHEAD) set_once(head, s);
        else if (s.kind == kCODE) set_once(code, s);
        else if (s.kind == kIDS) set_once(ids, s);
        else if (s.kind == kLABL) set_once(labl, s);
        else if (s.kind == kTHMB) set_once(thmb, s);
        else if (s.kind == kSTRS) set_once(strs, s);
        else if (s.kind == kLNAM) set_once(lnam, s);
        else refuse_unknown_required(s, FileKind::database);
    }
    DQ_CHECK_FORMAT(head != nullptr, "missing section HEAD (N, M, K)");
    DQ_CHECK_FORMAT(code != nullptr, "missing section CODE");
    DQ_CHECK_FORMAT(ids != nullptr, "missing section IDS_");
    head->expect(DType::u32, {kHeadFields});

    Database db;
    const uint32_t n = ld32(head->data);
    db.M = ld32(head->data + 4);
    db.K = ld32(head->data + 8);
    db.thumb_height = ld32(head->data + 12);
    db.thumb_width = ld32(head->data + 16);
    db.thumb_channels = ld32(head->data + 20);
    db.model_fingerprint = c.fingerprint;
    DQ_CHECK_FORMAT(db.M >= 1 && db.M <= kMaxWidth, "section HEAD: M is %u, must be in [1, %u]", db.M, kMaxWidth);
    DQ_CHECK_FORMAT(db.K == 16 || db.K == 256, "section HEAD: K is %u, must be 16 or 256", db.K);

    // Every shape is matched against its section, whose size the container already bounded by the
    // file size, so nothing below allocates more than the file holds.
    code->expect(DType::u8, {n, db.M});
    ids->expect(DType::u32, {n});
    db.codes.assign(code->data, code->data + code->size);
    db.ids.resize(n);
    for (uint32_t i = 0; i < n; ++i) db.ids[i] = ld32(ids->data + 4 * size_t(i));
    if (labl) {
        labl->expect(DType::i32, {n});
        db.labels.resize(n);
        for (uint32_t i = 0; i < n; ++i) db.labels[i] = int32_t(ld32(labl->data + 4 * size_t(i)));
    }
    if (db.thumb_height || db.thumb_width || db.thumb_channels) {
        DQ_CHECK_FORMAT(db.thumb_height && db.thumb_width && db.thumb_channels,
                        "section HEAD: thumbnail shape %ux%ux%u has a zero dimension", db.thumb_height,
                        db.thumb_width, db.thumb_channels);
        DQ_CHECK_FORMAT(thmb != nullptr, "missing section THMB (HEAD declares %ux%ux%u thumbnails)", db.thumb_height,
                        db.thumb_width, db.thumb_channels);
        thmb->expect(DType::u8, {n, db.thumb_height, db.thumb_width, db.thumb_channels});
        db.thumbnails.assign(thmb->data, thmb->data + thmb->size);
    } else {
        DQ_CHECK_FORMAT(thmb == nullptr, "section THMB: unexpected, HEAD declares no thumbnails");
    }
    if (strs) {
        DQ_CHECK_FORMAT(strs->dtype == uint16_t(DType::u8) && strs->ndim == 1,
                        "section STRS: %s with %u dims, expected u8 [bytes]", dtype_name(strs->dtype).c_str(), strs->ndim);
        const uint64_t table = 4 * (uint64_t(n) + 1);
        DQ_CHECK_FORMAT(strs->size >= table, "section STRS: %llu bytes, the offsets of %u strings alone need %llu",
                        (unsigned long long)strs->size, n, (unsigned long long)table);
        const uint64_t blob = strs->size - table;
        const uint8_t* text = strs->data + table;
        DQ_CHECK_FORMAT(ld32(strs->data) == 0, "section STRS: offsets[0] is %u, expected 0", ld32(strs->data));
        DQ_CHECK_FORMAT(ld32(strs->data + 4 * size_t(n)) == blob, "section STRS: offsets[%u] is %u, expected the blob size %llu",
                        n, ld32(strs->data + 4 * size_t(n)), (unsigned long long)blob);
        db.strings.resize(n);
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t a = ld32(strs->data + 4 * size_t(i)), b = ld32(strs->data + 4 * (size_t(i) + 1));
            DQ_CHECK_FORMAT(a <= b && b <= blob, "section STRS: string %u spans [%u, %u), outside the %llu-byte blob or reversed",
                            i, a, b, (unsigned long long)blob);
            db.strings[i].assign(reinterpret_cast<const char*>(text + a), b - a);
        }
    }
    if (lnam) {
        DQ_CHECK_FORMAT(lnam->dtype == uint16_t(DType::u8) && lnam->ndim == 1 && lnam->size >= 4,
                        "section LNAM: %s with %u dims and %llu bytes, expected u8 [bytes] starting with a u32 count",
                        dtype_name(lnam->dtype).c_str(), lnam->ndim, (unsigned long long)lnam->size);
        const uint32_t L = ld32(lnam->data);
        DQ_CHECK_FORMAT(L >= 1 && L <= kMaxLabelNames, "section LNAM: %u label names, must be in [1, %u]", L, kMaxLabelNames);
        const uint64_t table = 4 * (uint64_t(L) + 2);
        DQ_CHECK_FORMAT(lnam->size >= table, "section LNAM: %llu bytes, the count and offsets of %u names alone need %llu",
                        (unsigned long long)lnam->size, L, (unsigned long long)table);
        const uint8_t* offs = lnam->data + 4;
        const uint64_t blob = lnam->size - table;
        DQ_CHECK_FORMAT(ld32(offs) == 0, "section LNAM: offsets[0] is %u, expected 0", ld32(offs));
        DQ_CHECK_FORMAT(ld32(offs + 4 * size_t(L)) == blob, "section LNAM: offsets[%u] is %u, expected the blob size %llu",
                        L, ld32(offs + 4 * size_t(L)), (unsigned long long)blob);
        db.label_names.resize(L);
        for (uint32_t i = 0; i < L; ++i) {
            const uint32_t a = ld32(offs + 4 * size_t(i)), b = ld32(offs + 4 * (size_t(i) + 1));
            DQ_CHECK_FORMAT(a <= b && b <= blob, "section LNAM: name %u spans [%u, %u), outside the %llu-byte blob or reversed",
                            i, a, b, (unsigned long long)blob);
            db.label_names[i].assign(reinterpret_cast<const char*>(lnam->data + table + a), b - a);
        }
    }
    validate_read(db, "database");
    return db;
}

}  // namespace dq

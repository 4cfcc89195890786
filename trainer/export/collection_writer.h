// A database as a web collection: what a page opens by URL to search a gallery larger than one
// download (wasm/js/collection.mjs reads it). The codes, ids and labels come in chunk files the page
// adds as they arrive, so it can search what has arrived while the rest streams; thumbnails and
// metadata strings come in small media files fetched only for the hits shown. Every file is a
// complete .dqdb (dq::slice of the database), so each is checked by the core's one reader (section
// CRCs, the model fingerprint) when it arrives; no new format, no HTTP Range support needed.
//
//   DIR/collection.json   {"format": "deepquan-collection", "version": 1, "items": N, "M", "K",
//                          "modelFingerprint": "hex", "codes": [{"file", "items"}...],
//                          "media": {"itemsPerFile", "thumbShape": [h, w, c] | null, "strings": bool,
//                          "files": [{"file", "items"}...]} | null}
//   DIR/codes-TAG-NNNN.dqdb   items [i c, (i + 1) c) without thumbnails and strings
//   DIR/media-TAG-NNNN.dqdb   items [j m, (j + 1) m) with their thumbnails and strings
//
// TAG is a fingerprint of the database, so a rewrite never reuses the name of a file the previous
// manifest points to: files are written first, collection.json last (atomically), then the files
// only the previous manifest named are removed. A reader sees the old collection or the new one.
#pragma once

#include <cstddef>
#include <string>

#include "dq/database.h"

namespace dqt {

struct CollectionLayout {
    size_t codes_per_file = 100000;  ///< items per codes file
    size_t media_per_file = 256;     ///< items per media file (0: no media files)
};

struct CollectionWritten {
    size_t codes_files = 0, media_files = 0, bytes = 0;
};

/// Writes the collection of `db` into `dir` (created if missing). Throws dq::Error on bad sizes or a
/// file that cannot be written.
CollectionWritten write_collection(const dq::Database& db, const std::string& dir, const CollectionLayout& layout);

}  // namespace dqt

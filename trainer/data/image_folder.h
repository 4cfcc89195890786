// A folder of PNG / JPEG files as a Dataset: `deepquan train --images DIR` and `encode --images DIR`.
//
// Which files: every regular file under DIR, recursively, whose name ends in .png, .jpg, .jpeg or
// .jpe (any case); its bytes then decide the format, so a text file named .png is a bad file
// ("not a PNG or JPEG image") and a PNG named .jpg decodes. Hidden entries (names starting with
// '.') are skipped.
// Order: by relative path, compared byte by byte (no locale), so the same folder gives the same
// rows, ids and codes everywhere.
// Symlinks are followed, to files and to directories (a directory link that leads back into its own
// ancestors is not entered again). A file reached under several paths counts once: where one of the
// paths is the file's real location inside DIR (no symlink on the way), that path wins and gives the
// label; otherwise the first path in the order above does. Dangling links are bad files.
// Labels: the first-level sub-folder of the winning path; label l is the l-th name of the sorted
// list of sub-folders that hold at least one listed file (label_names); files directly in DIR get -1.
// Pixels: each file decoded (data/image_decode.h) and preprocessed by dq::preprocess_rgba() to the
// model's input; thumbnails (if asked) by the same function in RGB at their own size and the same
// background. Only the preprocessed bytes are kept, one file decoded at a time per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "dq/image.h"

namespace dqt {

struct ImageFolderFile {
    std::string path;       ///< as opened: DIR joined with relpath
    std::string relpath;    ///< relative to DIR, '/'-separated: the database's metadata string
    int32_t label = -1;     ///< index into ImageFolderListing::label_names, or -1
};

struct ImageFolderListing {
    std::vector<ImageFolderFile> files;    ///< sorted by relpath
    std::vector<std::string> label_names;  ///< sorted first-level sub-folder names
    size_t aliases = 0;                    ///< paths skipped because their file was already listed
};

/// Lists DIR as above. Throws dq::Error if DIR is not a readable directory.
ImageFolderListing list_image_folder(const std::string& dir);

struct ImageFolderOptions {
    dq::ImageTarget input;          ///< the model's input: size, channels, background
    uint32_t thumb_height = 0;      ///< RGB thumbnails of this size (0 = none)
    uint32_t thumb_width = 0;
};

struct ImageFolder {
    /// The decoded files: input.from_image_files with the options' background, x in [0, 1], pixels,
    /// labels (when DIR has sub-folders; -1 for files directly in DIR), strings = relative paths,
    /// label_names, thumbnails. Rows in listing order, bad files left out.
    Dataset data;
    std::vector<std::string> bad;   ///< one message per file that could not be decoded, naming it
    size_t aliases = 0;             ///< see ImageFolderListing
};

/// Decodes every listed file (threads over files; the result does not depend on their number).
/// Never throws for a bad file: it goes to `bad`, and the caller decides.
ImageFolder load_image_folder(const std::string& dir, const ImageFolderOptions& opt);

/// "HxW" (e.g. "32x32") -> height, width, each in [1, dq::kMaxImageSide]; throws dq::Error naming
/// `what` otherwise.
void parse_image_size(const std::string& text, const char* what, uint32_t* height, uint32_t* width);

}  // namespace dqt

// Datasets for training and evaluation: N images as an N×D float matrix in [0,1] plus labels.
//
// Sources (chosen by name or by file extension; every file may also be gzip-compressed, detected by
// its magic bytes, not its name):
//   mnist10k | fashion70k     data/<name>/{images-idx3-ubyte.gz, labels-idx1-ubyte.gz}, where data/ is
//                             $DQ_DATA_DIR, else ./data, else <source tree>/data (see data_dir()).
//   *.idx, *-ubyte[.gz], ...  IDX: u8 or f32, 2-D (n, d), 3-D (n, h, w) or 4-D (n, h, w, c).
//   *.npy                     NumPy v1–v3, C order, |u1 or <f4 (<f8 converted), 2-D, 3-D or 4-D.
//   *.fvecs / *.bvecs         TEXMEX: per vector an i32 dimension then d floats / d bytes.
// u8 data is scaled by 1/255 and kept as `pixels` (thumbnails); float data is taken as it is
// (input.scale = 1) and any NaN or infinity is refused with its row and column. Float npy and fvecs
// are feature vectors (Dataset::features): a model trained on them standardizes its inputs.
// Labels come from --labels, or for IDX from a sibling file (see sibling_labels_path()), as IDX
// (u8 or i32, 1-D) or .npy (any integer type, 1-D).
// Every reader checks sizes before it reads: truncated, oversized or corrupt files throw dq::Error
// naming the file, the field and the numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dq/model.h"
#include "util/rng.h"

namespace dqt {

struct Dataset {
    std::string name;              ///< "mnist10k", "fashion70k" or the path it came from
    dq::InputSpec input;           ///< image shape and the u8 -> float scale
    size_t n = 0;                  ///< number of images
    size_t dim = 0;                ///< D = H*W*C
    std::vector<float> x;          ///< n × dim, row-major, values in [0,1]
    std::vector<int32_t> labels;   ///< n labels, or empty when unknown
    std::vector<uint8_t> pixels;   ///< n × dim original u8 pixels when the source had them (thumbnails)
    /// Feature vectors (npy float, fvecs), not pixels: the trainer standardizes them per dimension
    /// and the model stores it (data/standardize.h). False for IDX (u8 or f32), u8 npy, bvecs, images.
    bool features = false;
    // Image folders (data/image_folder.h) only, empty otherwise: what their database also stores.
    uint32_t thumb_height = 0;            ///< RGB thumbnails at their own size (0 = none)
    uint32_t thumb_width = 0;
    std::vector<uint8_t> thumbs;          ///< n × thumb_height × thumb_width × 3
    std::vector<std::string> strings;     ///< n metadata strings (paths relative to the folder)
    std::vector<std::string> label_names; ///< name of each label value (the first-level sub-folders)

    const float* row(size_t i) const { return x.data() + i * dim; }
    bool has_labels() const { return !labels.empty(); }
    bool has_pixels() const { return !pixels.empty(); }
};

/// Streaming reader over one image file: the header is parsed (and checked) at open, rows are then
/// read in caller-sized chunks so that `deepquan encode` runs in bounded memory.
class ImageReader {
public:
    virtual ~ImageReader() = default;
    /// Opens `path` (format from the extension; .gz allowed). Throws dq::Error on a bad header.
    static std::unique_ptr<ImageReader> open(const std::string& path);

    size_t size() const { return n_; }              ///< rows in the file
    size_t dim() const { return spec_.dim(); }      ///< values per row
    const dq::InputSpec& input() const { return spec_; }
    bool is_u8() const { return u8_; }              ///< rows are bytes (pixels available)
    bool is_features() const { return features_; }  ///< float npy / fvecs (Dataset::features)
    size_t position() const { return pos_; }        ///< rows read so far

    /// Reads up to max_rows rows: x gets rows × dim floats (u8 scaled by input().scale),
    /// pixels (if non-null and is_u8()) rows × dim bytes. Returns the number of rows read (0 at end).
    /// Throws dq::Error on truncation, a gzip error, or a non-finite float (naming row and column).
    size_t read(size_t max_rows, std::vector<float>& x, std::vector<uint8_t>* pixels);

protected:
    virtual void read_raw(size_t rows, uint8_t* dst) = 0;   ///< rows × row_bytes() raw bytes
    size_t row_bytes() const { return dim() * (u8_ ? 1 : 4); }
    std::string path_;
    dq::InputSpec spec_;
    size_t n_ = 0;
    size_t pos_ = 0;
    bool u8_ = true;
    bool features_ = false;
};

/// Where named datasets live: $DQ_DATA_DIR if set, else ./data if it exists, else the data/ folder of
/// the source tree this binary was built from.
std::string data_dir();

/// Loads a dataset by name ("mnist10k", "fashion70k") or path. labels_path overrides the labels
/// file; without it, named datasets and IDX files with a sibling labels file get labels, others none.
Dataset load_dataset(const std::string& name_or_path, const std::string& labels_path = "");

/// Reads an image file completely (see ImageReader). The dataset has no labels.
Dataset read_images(const std::string& path);

/// Reads a 1-D label file (IDX u8/i8/i32, or .npy integers). Throws if expected_n != 0 and the count
/// differs ("labels: 999 labels for 1000 images").
std::vector<int32_t> read_labels(const std::string& path, size_t expected_n = 0);

/// The labels file next to an IDX image file, or "" if none exists: in the file name, "images" ->
/// "labels" and "idx3" -> "idx1" (data/mnist10k/images-idx3-ubyte.gz -> labels-idx1-ubyte.gz),
/// else only "idx3" -> "idx1" (queries-idx3-ubyte.gz -> queries-idx1-ubyte.gz).
std::string sibling_labels_path(const std::string& images_path);

/// Gzip-compressed IDX bytes: images (n × h × w u8, idx3) and labels (n u8, idx1; labels must be
/// in [0, 255]).
std::vector<uint8_t> idx_images_gz(const uint8_t* pixels, size_t n, uint32_t h, uint32_t w);
std::vector<uint8_t> idx_labels_gz(const int32_t* labels, size_t n);



}  // namespace dqt

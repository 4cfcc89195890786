// Format sniffing and file reading in front of the PNG and JPEG decoders (image_decode.h).
#include "data/image_decode.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dq/error.h"

namespace dqt {

ImageFormat sniff_image_format(const uint8_t* data, size_t size) {
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size >= 8 && std::memcmp(data, png, 8) == 0) return ImageFormat::png;
    if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return ImageFormat::jpeg;
    return ImageFormat::unknown;
}

ImageFormat sniff_image_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return ImageFormat::unknown;
    uint8_t head[8];
    const size_t n = std::fread(head, 1, sizeof head, f);
    std::fclose(f);
    return sniff_image_format(head, n);
}

DecodedImage decode_image(const uint8_t* data, size_t size, const std::string& name) {
    switch (sniff_image_format(data, size)) {
        case ImageFormat::png: return decode_png(data, size, name);
        case ImageFormat::jpeg: return decode_jpeg(data, size, name);
        case ImageFormat::unknown: break;
    }
    throw dq::Error(name + (size == 0 ? ": empty file, not a PNG or JPEG image" : ": not a PNG or JPEG image"));
}

DecodedImage decode_image_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw dq::Error(path + ": cannot open: " + std::strerror(errno));
    std::vector<uint8_t> bytes;
    bool too_big = false, failed = false;
    uint8_t buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (bytes.size() + n > kMaxImageFileBytes) {
            too_big = true;
            break;
        }
        bytes.insert(bytes.end(), buf, buf + n);
    }
    failed = std::ferror(f) != 0;
    std::fclose(f);
    if (too_big)
        throw dq::Error(dq::strformat("%s: more than %llu bytes, larger than any image this decoder accepts", path.c_str(),
                                      (unsigned long long)kMaxImageFileBytes));
    if (failed) throw dq::Error(path + ": read error");
    return decode_image(bytes.data(), bytes.size(), path);
}

}  // namespace dqt

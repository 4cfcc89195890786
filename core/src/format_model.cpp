// model.dqm: write_model / read_model (layout in dq/format.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "dq/error.h"
#include "dq/format.h"
#include "format_layout.h"
#include "format_sections.h"

namespace dq {

using namespace fmt;

namespace {

constexpr uint32_t kARCH = fourcc("ARCH"), kMETA = fourcc("META"), kCDBK = fourcc("CDBK"), kIMGP = fourcc("IMGP");
// STDZ: f32 [2, D], row 0 the means, row 1 the scales of InputSpec's standardization.
constexpr uint32_t kSTDZ = fourcc("STDZ");
// IMGP: background 0xRRGGBB, resize rule, gray rule; rule 1 = what dq/image.h does today. A new rule
// gets a new number, which this reader refuses by name rather than preprocess queries differently.
constexpr uint32_t kImgpFields = 3, kImgpRule = 1;
constexpr uint32_t kArchFixed = 9;   // u32 fields before the per-layer triples
constexpr uint32_t kArchPerLayer = 3;
constexpr uint32_t kMaxLayerSlots = 1000;   // W000..W999 are all recognized, then checked against L

uint32_t layer_kind(char letter, uint32_t l) {
    return uint32_t(uint8_t(letter)) | uint32_t('0' + l / 100 % 10) << 8 | uint32_t('0' + l / 10 % 10) << 16 |
           uint32_t('0' + l % 10) << 24;
}

// W/B/S followed by three digits: sets letter and layer number.
bool parse_layer_kind(uint32_t kind, char* letter, uint32_t* l) {
    const char c = char(kind & 0xff);
    if (c != 'W' && c != 'B' && c != 'S') return false;
    uint32_t n = 0;
    for (int i = 1; i < 4; ++i) {
        const char d = char((kind >> (8 * i)) & 0xff);
        if (d < '0' || d > '9') return false;
        n = n * 10 + uint32_t(d - '0');
    }
    *letter = c;
    *l = n;
    return true;
}

DType weight_dtype(WeightType t) {
    return t == WeightType::f16 ? DType::f16 : t == WeightType::int8 ? DType::i8 : t == WeightType::int4 ? DType::u8 : DType::f32;
}

// Second dim of a Wnnn section: int4 packs two inputs per byte.
uint64_t weight_cols(WeightType t, uint32_t in) { return t == WeightType::int4 ? (uint64_t(in) + 1) / 2 : in; }

// Inputs that share one scale: a whole row for int8, kInt4Group for int4.
uint32_t scale_group(WeightType t, uint32_t in) { return t == WeightType::int4 ? kInt4Group : in; }
uint32_t scale_groups(WeightType t, uint32_t in) { return uint32_t((uint64_t(in) + scale_group(t, in) - 1) / scale_group(t, in)); }

// The smallest bfloat16 value (low 16 bits zero) >= s, for s >= 0 finite.
float round_up_bf16(float s) {
    uint32_t u = f32_bits(s);
    if (u & 0xffff) u = (u | 0xffff) + 1;
    float r;
    std::memcpy(&r, &u, 4);
    return r;
}

// Symmetric quantization in groups of `group` consecutive inputs of a row: scale = max|w| / qmax
// (rounded up to bfloat16 when bf16_scales), q = round(w / scale) in [-qmax, qmax], so
// |w - q*scale| <= scale/2. q: out × in, row-major; returns out × groups scales.
std::vector<float> quantize_groups(const DenseLayer& ly, float qmax, uint32_t group, bool bf16_scales,
                                   std::vector<int8_t>& q) {
    const uint32_t groups = (ly.in + group - 1) / group;
    std::vector<float> scales(size_t(ly.out) * groups);
    q.resize(ly.weight.size());
    for (uint32_t r = 0; r < ly.out; ++r) {
        const float* row = &ly.weight[size_t(r) * ly.in];
        for (uint32_t g = 0; g < groups; ++g) {
            const uint32_t c0 = g * group, c1 = std::min(ly.in, c0 + group);
            float mx = 0;
            for (uint32_t c = c0; c < c1; ++c) mx = std::max(mx, std::fabs(row[c]));
            float scale = mx / qmax;
            if (bf16_scales) scale = round_up_bf16(scale);
            scales[size_t(r) * groups + g] = scale;
            for (uint32_t c = c0; c < c1; ++c) {
                double v = scale > 0 ? std::nearbyint(double(row[c]) / double(scale)) : 0.0;
                v = std::min(double(qmax), std::max(-double(qmax), v));
                q[size_t(r) * ly.in + c] = int8_t(v);
            }
        }
    }
    return scales;
}

}  // namespace

std::vector<uint8_t> write_model(const Model& model) {
    model.validate();
    const size_t meta_ok = utf8_valid_prefix(reinterpret_cast<const uint8_t*>(model.meta_json.data()),
                                             model.meta_json.size());
    DQ_CHECK(meta_ok == model.meta_json.size(), "meta_json is not valid UTF-8 (byte %zu of %zu)", meta_ok,
             model.meta_json.size());
    const uint32_t L = uint32_t(model.layers.size());
    std::vector<SectionOut> out;

    std::vector<uint8_t> arch(4 * (kArchFixed + kArchPerLayer * L));
    const uint32_t fixed[kArchFixed] = {model.input.height, model.input.width, model.input.channels,
                                        f32_bits(model.input.scale), model.M, model.K, model.dsub,
                                        uint32_t(model.weight_type), L};
    for (uint32_t i = 0; i < kArchFixed; ++i) st32(&arch[4 * i], fixed[i]);
    for (uint32_t l = 0; l < L; ++l) {
        uint8_t* p = &arch[4 * (kArchFixed + kArchPerLayer * l)];
        st32(p, model.layers[l].in);
        st32(p + 4, model.layers[l].out);
        st32(p + 8, uint32_t(model.layers[l].act));
    }
    const uint64_t arch_count = arch.size() / 4;  // not in the same call as the move (unsequenced)
    out.push_back(section(kARCH, DType::u32, {arch_count}, std::move(arch)));
    out.push_back(section(kMETA, DType::utf8, {model.meta_json.size()},
                          std::vector<uint8_t>(model.meta_json.begin(), model.meta_json.end()), 0));
    if (model.input.from_image_files) {
        const std::vector<uint32_t> imgp = {model.input.background, kImgpRule, kImgpRule};
        out.push_back(section(kIMGP, DType::u32, {kImgpFields}, u32_bytes(imgp), 0));
    }
    if (model.input.standardized()) {
        const size_t d = model.input.mean.size();
        std::vector<uint8_t> b = f32_bytes(model.input.mean.data(), d);
        const std::vector<uint8_t> sc = f32_bytes(model.input.inv_std.data(), d);
        b.insert(b.end(), sc.begin(), sc.end());
        // Flagged required: a reader that cannot apply it must refuse the model, not encode wrongly.
        out.push_back(section(kSTDZ, DType::f32, {2, d}, std::move(b)));
    }

    for (uint32_t l = 0; l < L; ++l) {
        const DenseLayer& ly = model.layers[l];
        const size_t n = ly.weight.size();
        std::vector<uint8_t> w;
        if (model.weight_type == WeightType::f32) {
            w = f32_bytes(ly.weight.data(), n);
            out.push_back(section(layer_kind('W', l), DType::f32, {ly.out, ly.in}, std::move(w)));
        } else if (model.weight_type == WeightType::f16) {
            w.resize(n * 2);
            for (size_t i = 0; i < n; ++i) {
                const uint16_t h = float_to_half(ly.weight[i]);
                DQ_CHECK((h & 0x7c00) != 0x7c00, "layer %u: weight[%zu] = %g does not fit in f16 (max 65504); "
                         "write f32 or int8 weights", l, i, double(ly.weight[i]));
                st16(&w[i * 2], h);
            }
            out.push_back(section(layer_kind('W', l), DType::f16, {ly.out, ly.in}, std::move(w)));
        } else {
            const bool four = model.weight_type == WeightType::int4;
            std::vector<int8_t> q;
            // int4 scales are rounded up to bfloat16: their low bytes are then zero and gzip
            // shrinks them to about a third, at a cost of < 0.8 % in resolution.
            const std::vector<float> scales =
                quantize_groups(ly, four ? 7.0f : 127.0f, scale_group(model.weight_type, ly.in), four, q);
            const uint64_t groups = scale_groups(model.weight_type, ly.in);
            if (four) {
                // Row r starts at byte r * ceil(in/2); input c sits in the low nibble when c is even.
                const size_t stride = size_t(weight_cols(WeightType::int4, ly.in));
                w.assign(stride * ly.out, 0);
                for (uint32_t r = 0; r < ly.out; ++r)
                    for (uint32_t c = 0; c < ly.in; ++c)
                        w[r * stride + c / 2] |= uint8_t((uint8_t(q[size_t(r) * ly.in + c]) & 0xf) << (4 * (c % 2)));
                out.push_back(section(layer_kind('W', l), DType::u8, {ly.out, stride}, std::move(w)));
            } else {
                w.assign(q.begin(), q.end());
                out.push_back(section(layer_kind('W', l), DType::i8, {ly.out, ly.in}, std::move(w)));
            }
            std::vector<uint64_t> sdims = {ly.out};
            if (four) sdims.push_back(groups);  // int8 keeps its 1.0 shape [out]
            out.push_back(section(layer_kind('S', l), DType::f32, std::move(sdims), f32_bytes(scales.data(), scales.size())));
        }
        out.push_back(section(layer_kind('B', l), DType::f32, {ly.out}, f32_bytes(ly.bias.data(), ly.out)));
    }
    out.push_back(section(kCDBK, DType::f32, {model.M, model.K, model.dsub},
                          f32_bytes(model.codebooks.data(), model.codebooks.size())));
    return write_container(FileKind::model, codebook_fingerprint(model), out);
}

Model read_model(const uint8_t* data, size_t size) {
    const Container c = parse_container(FileKind::model, data, size);
    const SectionIn *arch = nullptr, *meta = nullptr, *cdbk = nullptr, *imgp = nullptr, *stdz = nullptr;
    std::vector<const SectionIn*> W(kMaxLayerSlots), B(kMaxLayerSlots), S(kMaxLayerSlots);
    for (const SectionIn& s : c.sections) {
        char letter;
        uint32_t l;
        if (s.kind == kARCH) set_once(arch, s);
        else if (s.kind == kMETA) set_once(meta, s);
        else if (s.kind == kCDBK) set_once(cdbk, s);
        else if (s.kind == kIMGP) set_once(imgp, s);
        else if (s.kind == kSTDZ) set_once(stdz, s);
        else if (parse_layer_kind(s.kind, &letter, &l)) set_once(letter == 'W' ? W[l] : letter == 'B' ? B[l] : S[l], s);
        else refuse_unknown_required(s, FileKind::model);
    }
    DQ_CHECK_FORMAT(arch != nullptr, "missing section ARCH (the encoder structure)");
    DQ_CHECK_FORMAT(cdbk != nullptr, "missing section CDBK (the codebooks)");

    // Structure first, with every limit checked before anything is allocated from it.
    DQ_CHECK_FORMAT(arch->dtype == uint16_t(DType::u32) && arch->ndim == 1 && arch->dims[0] >= kArchFixed,
                    "section ARCH: %s with %u dims of %llu values, expected u32 [%u + 3 per layer]",
                    dtype_name(arch->dtype).c_str(), arch->ndim, (unsigned long long)arch->dims[0], kArchFixed);
    auto field = [&](uint32_t i) { return ld32(arch->data + 4 * i); };
    const uint32_t L = field(8);
    DQ_CHECK_FORMAT(L >= 1 && L <= kMaxLayers, "section ARCH: %u layers, must be in [1, %u]", L, kMaxLayers);
    arch->expect(DType::u32, {uint64_t(kArchFixed) + uint64_t(kArchPerLayer) * L});
    Model m;
    m.input.height = field(0);
    m.input.width = field(1);
    m.input.channels = field(2);
    const uint32_t scale_bits = field(3);
    std::memcpy(&m.input.scale, &scale_bits, 4);
    m.M = field(4);
    m.K = field(5);
    m.dsub = field(6);
    const uint32_t wt = field(7);
    DQ_CHECK_FORMAT(wt <= uint32_t(WeightType::int4), "section ARCH: unknown weight type %u", wt);
    m.weight_type = WeightType(wt);
    for (const char* what : {"height", "width", "channels"}) {
        const uint32_t v = what[0] == 'h' ? m.input.height : what[0] == 'w' ? m.input.width : m.input.channels;
        DQ_CHECK_FORMAT(v >= 1 && v <= kMaxWidth, "section ARCH: input %s %u, must be in [1, %u]", what, v, kMaxWidth);
    }
    DQ_CHECK_FORMAT(m.M >= 1 && m.M <= kMaxWidth && m.dsub >= 1 && m.dsub <= kMaxWidth &&
                        uint64_t(m.M) * m.dsub <= kMaxWidth,
                    "section ARCH: M=%u, dsub=%u out of range (each and M*dsub in [1, %u])", m.M, m.dsub, kMaxWidth);
    DQ_CHECK_FORMAT(m.K == 16 || m.K == 256, "section ARCH: K is %u, must be 16 or 256", m.K);
    m.layers.resize(L);
    for (uint32_t l = 0; l < L; ++l) {
        DenseLayer& ly = m.layers[l];
        ly.in = field(kArchFixed + kArchPerLayer * l);
        ly.out = field(kArchFixed + kArchPerLayer * l + 1);
        const uint32_t act = field(kArchFixed + kArchPerLayer * l + 2);
        DQ_CHECK_FORMAT(ly.in >= 1 && ly.in <= kMaxWidth && ly.out >= 1 && ly.out <= kMaxWidth,
                        "section ARCH: layer %u is %u -> %u, widths must be in [1, %u]", l, ly.in, ly.out, kMaxWidth);
        DQ_CHECK_FORMAT(act <= uint32_t(Activation::relu), "section ARCH: layer %u has unknown activation %u", l, act);
        ly.act = Activation(act);
    }

    for (uint32_t l = 0; l < kMaxLayerSlots; ++l) {
        if (l >= L) {
            for (const SectionIn* s : {W[l], B[l], S[l]})
                DQ_CHECK_FORMAT(s == nullptr, "section %s: unexpected, the model has %u layers", s->name().c_str(), L);
            continue;
        }
        DenseLayer& ly = m.layers[l];
        DQ_CHECK_FORMAT(W[l] != nullptr, "missing section %s (weights of layer %u)", kind_name(layer_kind('W', l)).c_str(), l);
        DQ_CHECK_FORMAT(B[l] != nullptr, "missing section %s (bias of layer %u)", kind_name(layer_kind('B', l)).c_str(), l);
        W[l]->expect(weight_dtype(m.weight_type), {ly.out, weight_cols(m.weight_type, ly.in)});
        B[l]->expect(DType::f32, {ly.out});
        ly.bias = f32_values(*B[l]);
        const size_t n = size_t(W[l]->size / dtype_size(W[l]->dtype));
        if (m.weight_type == WeightType::f32) {
            DQ_CHECK_FORMAT(S[l] == nullptr, "section %s: unexpected, scales belong to int8 / int4 weights and this model is f32",
                            S[l]->name().c_str());
            ly.weight = f32_values(*W[l]);
        } else if (m.weight_type == WeightType::f16) {
            DQ_CHECK_FORMAT(S[l] == nullptr, "section %s: unexpected, scales belong to int8 / int4 weights and this model is f16",
                            S[l]->name().c_str());
            ly.weight.resize(n);
            for (size_t i = 0; i < n; ++i) ly.weight[i] = half_to_float(ld16(W[l]->data + 2 * i));
        } else {
            const bool four = m.weight_type == WeightType::int4;
            DQ_CHECK_FORMAT(S[l] != nullptr, "missing section %s (scales of %s layer %u)",
                            kind_name(layer_kind('S', l)).c_str(), to_string(m.weight_type), l);
            const uint32_t group = scale_group(m.weight_type, ly.in), groups = scale_groups(m.weight_type, ly.in);
            if (four) S[l]->expect(DType::f32, {ly.out, groups});
            else S[l]->expect(DType::f32, {ly.out});
            const std::vector<float> scales = f32_values(*S[l]);
            for (size_t i = 0; i < scales.size(); ++i) {
                if (std::isfinite(scales[i]) && scales[i] >= 0) continue;
                throw FormatError(four ? strformat("section %s: scale[%zu, %zu] is %g, must be finite and >= 0",
                                                   S[l]->name().c_str(), i / groups, i % groups, double(scales[i]))
                                       : strformat("section %s: scale[%zu] is %g, must be finite and >= 0",
                                                   S[l]->name().c_str(), i, double(scales[i])));
            }
            const size_t stride = size_t(weight_cols(m.weight_type, ly.in));
            ly.weight.resize(size_t(ly.out) * ly.in);
            for (uint32_t r = 0; r < ly.out; ++r) {
                const uint8_t* row = W[l]->data + r * stride;
                for (uint32_t col = 0; col < ly.in; ++col) {
                    int q;
                    if (four) {
                        q = (row[col / 2] >> (4 * (col % 2))) & 0xf;
                        q = q >= 8 ? q - 16 : q;
                        // -8 would make the range asymmetric; refusing it keeps one encoding per value.
                        DQ_CHECK_FORMAT(q != -8, "section %s: row %u, column %u holds -8; int4 weights must be in [-7, 7]",
                                        W[l]->name().c_str(), r, col);
                    } else {
                        q = int8_t(row[col]);
                    }
                    ly.weight[size_t(r) * ly.in + col] = float(q) * scales[size_t(r) * groups + col / group];
                }
                // The unused high nibble of an odd-width row must be zero, so every byte means something.
                if (four && ly.in % 2 == 1)
                    DQ_CHECK_FORMAT((row[stride - 1] >> 4) == 0,
                                    "section %s: row %u: padding nibble (high half of byte %zu, after input %u) is 0x%x, must be 0",
                                    W[l]->name().c_str(), r, stride - 1, ly.in - 1, unsigned(row[stride - 1] >> 4));
            }
        }
    }

    cdbk->expect(DType::f32, {m.M, m.K, m.dsub});
    m.codebooks = f32_values(*cdbk);
    if (meta) {
        meta->expect(DType::utf8, {meta->size});
        const size_t ok = utf8_valid_prefix(meta->data, size_t(meta->size));
        DQ_CHECK_FORMAT(ok == meta->size, "section META: not valid UTF-8 (byte %zu of %llu)", ok,
                        (unsigned long long)meta->size);
        m.meta_json.assign(reinterpret_cast<const char*>(meta->data), size_t(meta->size));
    }
    if (imgp) {
        imgp->expect(DType::u32, {kImgpFields});
        m.input.from_image_files = true;
        m.input.background = ld32(imgp->data);
        DQ_CHECK_FORMAT(m.input.background <= 0xffffff, "section IMGP: background 0x%x is not a 0xRRGGBB colour",
                        m.input.background);
        const char* names[] = {"", "resize", "gray"};
        for (uint32_t i = 1; i < kImgpFields; ++i)
            DQ_CHECK_FORMAT(ld32(imgp->data + 4 * i) == kImgpRule, "section IMGP: unknown %s rule %u (this reader "
                            "knows rule %u; written by a newer version of DeepQuan?)", names[i], ld32(imgp->data + 4 * i),
                            kImgpRule);
    }
    if (stdz) {
        const uint64_t d = uint64_t(m.input.height) * m.input.width * m.input.channels;
        DQ_CHECK_FORMAT(d <= kMaxWidth, "section ARCH: input dim %llu exceeds %u", (unsigned long long)d, kMaxWidth);
        stdz->expect(DType::f32, {2, d});
        const std::vector<float> v = f32_values(*stdz);
        m.input.mean.assign(v.begin(), v.begin() + ptrdiff_t(d));
        m.input.inv_std.assign(v.begin() + ptrdiff_t(d), v.end());
        for (size_t i = 0; i < d; ++i) {
            DQ_CHECK_FORMAT(std::isfinite(m.input.mean[i]), "section STDZ: mean[%zu] is %g, must be finite", i,
                            double(m.input.mean[i]));
            DQ_CHECK_FORMAT(std::isfinite(m.input.inv_std[i]) && m.input.inv_std[i] > 0,
                            "section STDZ: scale[%zu] is %g, must be finite and > 0", i, double(m.input.inv_std[i]));
        }
        DQ_CHECK_FORMAT(!imgp, "section STDZ: a model of image files (section IMGP) cannot standardize its inputs");
    }
    validate_read(m, "model");
    const uint64_t fp = codebook_fingerprint(m);
    DQ_CHECK_FORMAT(fp == c.fingerprint, "fingerprint mismatch: header says %016llx, the codebooks hash to %016llx",
                    (unsigned long long)c.fingerprint, (unsigned long long)fp);
    return m;
}

}  // namespace dq

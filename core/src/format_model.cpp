// model.dqm: write_model / read_model (layout in dq/format.h).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "dq/error.h"
#include "dq/format.h"
#include "format_layout.h"

namespace dq {

using namespace fmt;

namespace {

constexpr uint32_t kARCH = fourcc("ARCH"), kMETA = fourcc("META"), kCDBK = fourcc("CDBK");
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
    return t == WeightType::f16 ? DType::f16 : t == WeightType::int8 ? DType::i8 : DType::f32;
}

std::vector<uint8_t> f32_bytes(const float* v, size_t n) {
    std::vector<uint8_t> b(n * 4);
    for (size_t i = 0; i < n; ++i) st32(&b[i * 4], f32_bits(v[i]));
    return b;
}

std::vector<float> f32_values(const SectionIn& s) {
    std::vector<float> v(size_t(s.size / 4));
    for (size_t i = 0; i < v.size(); ++i) v[i] = ldf32(s.data + 4 * i);
    return v;
}

SectionOut section(uint32_t kind, DType dtype, std::vector<uint64_t> dims, std::vector<uint8_t> bytes,
                   uint16_t flags = kFlagRequired) {
    SectionOut s;
    s.kind = kind;
    s.dtype = dtype;
    s.flags = flags;
    s.dims = std::move(dims);
    s.bytes = std::move(bytes);
    return s;
}

void set_once(const SectionIn*& slot, const SectionIn& s) {
    DQ_CHECK_FORMAT(slot == nullptr, "section %s appears twice", s.name().c_str());
    slot = &s;
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
            // Symmetric per-row int8: scale = max|w| / 127, q = round(w / scale), |w - q*scale| <= scale/2.
            w.resize(n);
            std::vector<float> scales(ly.out);
            for (uint32_t r = 0; r < ly.out; ++r) {
                const float* row = &ly.weight[size_t(r) * ly.in];
                float mx = 0;
                for (uint32_t c = 0; c < ly.in; ++c) mx = std::max(mx, std::fabs(row[c]));
                const float scale = mx / 127.0f;
                scales[r] = scale;
                for (uint32_t c = 0; c < ly.in; ++c) {
                    double q = scale > 0 ? std::nearbyint(double(row[c]) / double(scale)) : 0.0;
                    q = std::min(127.0, std::max(-127.0, q));
                    w[size_t(r) * ly.in + c] = uint8_t(int8_t(q));
                }
            }
            out.push_back(section(layer_kind('W', l), DType::i8, {ly.out, ly.in}, std::move(w)));
            out.push_back(section(layer_kind('S', l), DType::f32, {ly.out}, f32_bytes(scales.data(), ly.out)));
        }
        out.push_back(section(layer_kind('B', l), DType::f32, {ly.out}, f32_bytes(ly.bias.data(), ly.out)));
    }
    out.push_back(section(kCDBK, DType::f32, {model.M, model.K, model.dsub},
                          f32_bytes(model.codebooks.data(), model.codebooks.size())));
    return write_container(FileKind::model, codebook_fingerprint(model), out);
}

Model read_model(const uint8_t* data, size_t size) {
    const Container c = parse_container(FileKind::model, data, size);
    const SectionIn *arch = nullptr, *meta = nullptr, *cdbk = nullptr;
    std::vector<const SectionIn*> W(kMaxLayerSlots), B(kMaxLayerSlots), S(kMaxLayerSlots);
    for (const SectionIn& s : c.sections) {
        char letter;
        uint32_t l;
        if (s.kind == kARCH) set_once(arch, s);
        else if (s.kind == kMETA) set_once(meta, s);
        else if (s.kind == kCDBK) set_once(cdbk, s);
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
    DQ_CHECK_FORMAT(wt <= uint32_t(WeightType::int8), "section ARCH: unknown weight type %u", wt);
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
        W[l]->expect(weight_dtype(m.weight_type), {ly.out, ly.in});
        B[l]->expect(DType::f32, {ly.out});
        ly.bias = f32_values(*B[l]);
        const size_t n = size_t(W[l]->size / dtype_size(W[l]->dtype));
        if (m.weight_type == WeightType::f32) {
            DQ_CHECK_FORMAT(S[l] == nullptr, "section %s: unexpected, scales belong to int8 weights and this model is f32",
                            S[l]->name().c_str());
            ly.weight = f32_values(*W[l]);
        } else if (m.weight_type == WeightType::f16) {
            DQ_CHECK_FORMAT(S[l] == nullptr, "section %s: unexpected, scales belong to int8 weights and this model is f16",
                            S[l]->name().c_str());
            ly.weight.resize(n);
            for (size_t i = 0; i < n; ++i) ly.weight[i] = half_to_float(ld16(W[l]->data + 2 * i));
        } else {
            DQ_CHECK_FORMAT(S[l] != nullptr, "missing section %s (per-row scales of int8 layer %u)",
                            kind_name(layer_kind('S', l)).c_str(), l);
            S[l]->expect(DType::f32, {ly.out});
            const std::vector<float> scales = f32_values(*S[l]);
            ly.weight.resize(n);
            for (uint32_t r = 0; r < ly.out; ++r) {
                DQ_CHECK_FORMAT(std::isfinite(scales[r]) && scales[r] >= 0, "section %s: scale[%u] is %g, must be finite and >= 0",
                                S[l]->name().c_str(), r, double(scales[r]));
                for (uint32_t col = 0; col < ly.in; ++col) {
                    const size_t i = size_t(r) * ly.in + col;
                    ly.weight[i] = float(int8_t(W[l]->data[i])) * scales[r];
                }
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
    try {
        m.validate();
    } catch (const FormatError&) {
        throw;
    } catch (const Error& e) {
        throw FormatError(std::string("invalid model: ") + e.what());
    }
    const uint64_t fp = codebook_fingerprint(m);
    DQ_CHECK_FORMAT(fp == c.fingerprint, "fingerprint mismatch: header says %016llx, the codebooks hash to %016llx",
                    (unsigned long long)c.fingerprint, (unsigned long long)fp);
    return m;
}

}  // namespace dq

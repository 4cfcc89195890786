// Mutation tests of the readers: every truncation and every single-byte corruption of small valid
// files must end in a dq::FormatError (never a crash, an out-of-bounds read under ASan, another
// exception type, or a silently accepted file). Each mutant lives in its own exactly-sized heap
// buffer so that ASan sees any read past its end.
#include <catch2/catch.hpp>

#include <memory>

#include "dq/error.h"
#include "dq/format.h"
#include "format_layout.h"
#include "test_format_util.h"

namespace {

enum class Outcome { format_error, other_error, accepted };

struct Sample {
    std::string name;
    bool model;
    std::vector<uint8_t> bytes;
};

std::vector<Sample> samples() {
    std::vector<Sample> out;
    dq::Model m = fmttest::small_model(5);
    out.push_back({"model f32", true, dq::write_model(m)});
    m.weight_type = dq::WeightType::f16;
    out.push_back({"model f16", true, dq::write_model(m)});
    m.weight_type = dq::WeightType::int8;
    out.push_back({"model int8", true, dq::write_model(m)});
    // Odd widths (35 inputs: two scale groups and a padding nibble per row; 7 hidden).
    dq::Model odd = fmttest::make_model({7}, 2, 16, 2, 5, 5, 7);
    odd.weight_type = dq::WeightType::int4;
    out.push_back({"model int4, odd widths", true, dq::write_model(odd)});
    // A feature model: its STDZ section (means around 1000, scales 1/50) goes through the same mill.
    dq::Model feat = fmttest::small_model(6);
    feat.input.scale = 1.0f;
    feat.input.mean.assign(feat.input_dim(), 1000.0f);
    feat.input.inv_std.assign(feat.input_dim(), 0.02f);
    out.push_back({"model f32, standardized (STDZ)", true, dq::write_model(feat)});
    out.push_back({"database with extras", false, dq::write_database(fmttest::make_database(m, 5, true))});
    out.push_back({"database plain", false, dq::write_database(fmttest::make_database(m, 3, false))});
    return out;
}

// Parses an exact-size copy; a model or database that is accepted is also re-validated.
Outcome parse(bool model, const uint8_t* src, size_t n, std::string* msg) {
    std::unique_ptr<uint8_t[]> buf(new uint8_t[n ? n : 1]);
    if (n) std::memcpy(buf.get(), src, n);
    try {
        if (model) dq::read_model(buf.get(), n).validate();
        else dq::read_database(buf.get(), n).validate();
        return Outcome::accepted;
    } catch (const dq::FormatError& e) {
        *msg = e.what();
        return Outcome::format_error;
    } catch (const std::exception& e) {
        *msg = e.what();
        return Outcome::other_error;
    }
}

}  // namespace

TEST_CASE("every truncation of a valid file is a FormatError", "[format][mutation]") {
    for (const Sample& s : samples()) {
        INFO(s.name << ", " << s.bytes.size() << " bytes");
        std::string msg;
        REQUIRE(parse(s.model, s.bytes.data(), s.bytes.size(), &msg) == Outcome::accepted);
        size_t truncated_msgs = 0;
        for (size_t len = 0; len < s.bytes.size(); ++len) {
            INFO("prefix of " << len << " bytes");
            REQUIRE(parse(s.model, s.bytes.data(), len, &msg) == Outcome::format_error);
            truncated_msgs += msg.rfind("truncated: ", 0) == 0;
        }
        CHECK(truncated_msgs == s.bytes.size());  // and every one says so
    }
}

TEST_CASE("every single-byte corruption of a valid file is a FormatError", "[format][mutation]") {
    fmttest::Rng rng(42);
    for (const Sample& s : samples()) {
        INFO(s.name << ", " << s.bytes.size() << " bytes");
        std::vector<uint8_t> b = s.bytes;
        for (size_t pos = 0; pos < b.size(); ++pos) {
            for (uint8_t mask : {uint8_t(0xff), uint8_t(0x01), uint8_t(0x80), uint8_t(0x10),
                                 uint8_t(1 + rng.below(255))}) {
                b[pos] ^= mask;
                std::string msg;
                const Outcome o = parse(s.model, b.data(), b.size(), &msg);
                b[pos] ^= mask;
                if (o != Outcome::format_error) {
                    INFO("byte " << pos << " ^ 0x" << std::hex << int(mask) << ": " << msg);
                    REQUIRE(o == Outcome::format_error);
                }
            }
        }
    }
}

TEST_CASE("random corruption with re-sealed checksums never crashes", "[format][mutation]") {
    // Re-sealing the CRCs lets the corruption reach the structural checks behind them (sizes,
    // shapes, limits, string offsets, code bytes). Any outcome but a FormatError must be a file
    // that is actually valid; nothing may crash or throw anything else.
    fmttest::Rng rng(7);
    size_t accepted = 0, refused = 0;
    for (const Sample& s : samples()) {
        const uint32_t count = dq::fmt::ld32(&s.bytes[dq::fmt::kOffSectionCount]);
        for (int trial = 0; trial < 3000; ++trial) {
            std::vector<uint8_t> b = s.bytes;
            const int edits = 1 + int(rng.below(3));
            for (int e = 0; e < edits; ++e) {
                // Half the edits hit the header and table, where the structure lives.
                const size_t meta_end = dq::fmt::kHeaderSize + dq::fmt::kEntrySize * count;
                const size_t pos = rng.below(2) ? rng.below(uint32_t(meta_end)) : rng.below(uint32_t(b.size()));
                if (pos < 8 || (pos >= 16 && pos < 24)) continue;  // magic / file_size: covered above
                b[pos] = rng.below(4) == 0 ? uint8_t(rng.below(256)) : uint8_t(b[pos] ^ (1u << rng.below(8)));
            }
            if (dq::fmt::ld32(&b[dq::fmt::kOffSectionCount]) == count) fmttest::reseal(b);
            std::string msg;
            const Outcome o = parse(s.model, b.data(), b.size(), &msg);
            INFO(s.name << " trial " << trial << ": " << msg);
            REQUIRE(o != Outcome::other_error);
            (o == Outcome::accepted ? accepted : refused)++;
        }
    }
    CHECK(refused > accepted);  // the test does reach the checks
}

// dq::slice: shards of a database (what a pool of search workers each own), their round trip
// through the file format, and the ranges it refuses.
#include <catch2/catch.hpp>

#include <string>

#include "dq/database.h"
#include "dq/error.h"
#include "dq/format.h"

using Catch::Matchers::Contains;

namespace {

dq::Database sample(size_t n, bool labels, bool thumbs, bool strings) {
    dq::Database db;
    db.M = 3;
    db.K = 16;
    db.model_fingerprint = 0x1234567890abcdefull;
    for (size_t i = 0; i < n; ++i) {
        for (size_t m = 0; m < db.M; ++m) db.codes.push_back(uint8_t((i * 7 + m * 3) % 16));
        db.ids.push_back(uint32_t(1000 + i * 3));
        if (labels) db.labels.push_back(int32_t(i % 4) - 1);
        if (strings) db.strings.push_back("item " + std::to_string(i));
    }
    if (labels) db.label_names = {"zero", "one", "two"};
    if (thumbs) {
        db.thumb_height = 2;
        db.thumb_width = 3;
        db.thumb_channels = 1;
        for (size_t i = 0; i < n * 6; ++i) db.thumbnails.push_back(uint8_t(i * 13));
    }
    db.validate();
    return db;
}

}  // namespace

TEST_CASE("slice: shards concatenate back to the database, every part kept", "[database]") {
    const bool labels = GENERATE(false, true), thumbs = GENERATE(false, true), strings = GENERATE(false, true);
    const dq::Database db = sample(10, labels, thumbs, strings);
    dq::Database joined;
    for (auto [b, e] : {std::pair<size_t, size_t>{0, 3}, {3, 3}, {3, 9}, {9, 10}}) {
        const dq::Database s = dq::slice(db, b, e);
        s.validate();
        CHECK(s.size() == e - b);
        CHECK(s.M == db.M);
        CHECK(s.K == db.K);
        CHECK(s.model_fingerprint == db.model_fingerprint);
        CHECK(s.thumb_height == db.thumb_height);
        CHECK(s.has_labels() == (labels && e > b));
        if (s.has_labels()) CHECK(s.label_names == db.label_names);
        // Each shard is a valid file of its own, read back unchanged.
        const dq::Database back = dq::read_database(dq::write_database(s).data(), dq::write_database(s).size());
        CHECK(back.codes == s.codes);
        CHECK(back.ids == s.ids);
        joined.codes.insert(joined.codes.end(), s.codes.begin(), s.codes.end());
        joined.ids.insert(joined.ids.end(), s.ids.begin(), s.ids.end());
        joined.labels.insert(joined.labels.end(), s.labels.begin(), s.labels.end());
        joined.thumbnails.insert(joined.thumbnails.end(), s.thumbnails.begin(), s.thumbnails.end());
        joined.strings.insert(joined.strings.end(), s.strings.begin(), s.strings.end());
    }
    CHECK(joined.codes == db.codes);
    CHECK(joined.ids == db.ids);
    CHECK(joined.labels == db.labels);
    CHECK(joined.thumbnails == db.thumbnails);
    CHECK(joined.strings == db.strings);
}

TEST_CASE("slice: a range outside the database is refused", "[database]") {
    const dq::Database db = sample(5, true, true, true);
    CHECK(dq::slice(db, 0, 5).size() == 5);
    CHECK(dq::slice(db, 5, 5).size() == 0);
    CHECK_THROWS_WITH(dq::slice(db, 0, 6), Contains("slice: items [0, 6) of a database of 5 items"));
    CHECK_THROWS_WITH(dq::slice(db, 4, 2), Contains("slice: items [4, 2) of a database of 5 items"));
    CHECK_THROWS_AS(dq::slice(db, 6, 7), dq::Error);
}

// A tiny streaming JSON writer for report.json and the model's META provenance.
//
// Usage: JsonWriter j; j.begin_object(); j.key("map").value(0.5); j.end_object(); j.str().
// Objects put one member per line (indented); arrays of numbers stay on one line, so a loss curve
// of 3,500 points is one long line rather than 3,500. Non-finite doubles are written as null
// (JSON has no NaN). Misuse (a value without a key inside an object, unbalanced ends) is an
// internal error and asserts.
#pragma once

#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace dqt {

class JsonWriter {
public:
    JsonWriter& begin_object() { open('{', true); return *this; }
    JsonWriter& end_object() { close('}'); return *this; }
    JsonWriter& begin_array() { open('[', false); return *this; }
    JsonWriter& end_array() { close(']'); return *this; }

    JsonWriter& key(const std::string& k) {
        assert(!stack_.empty() && stack_.back().object);
        separator();
        string_literal(k);
        out_ += ": ";
        pending_key_ = true;
        return *this;
    }
    JsonWriter& value(const std::string& s) { prefix(); string_literal(s); return *this; }
    JsonWriter& value(const char* s) { return value(std::string(s)); }
    JsonWriter& value(bool b) { prefix(); out_ += b ? "true" : "false"; return *this; }
    JsonWriter& value(double v) {
        prefix();
        if (!std::isfinite(v)) { out_ += "null"; return *this; }
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.10g", v);
        out_ += buf;
        return *this;
    }
    JsonWriter& value(float v) { return value(double(v)); }
    JsonWriter& value(int v) { return integer(v); }
    JsonWriter& value(unsigned v) { return uinteger(v); }
    JsonWriter& value(long v) { return integer(v); }
    JsonWriter& value(unsigned long v) { return uinteger(v); }
    JsonWriter& value(long long v) { return integer(v); }
    JsonWriter& value(unsigned long long v) { return uinteger(v); }
    JsonWriter& null() { prefix(); out_ += "null"; return *this; }
    /// Inserts already-serialized JSON as a value (e.g. a model's META text).
    JsonWriter& raw(const std::string& json) { prefix(); out_ += json; return *this; }
    template <class T>
    JsonWriter& array(const std::vector<T>& v) {
        begin_array();
        for (const T& x : v) value(x);
        return end_array();
    }
    /// key + value in one call.
    template <class T>
    JsonWriter& kv(const std::string& k, const T& v) { key(k); return value(v); }
    /// An optional knob: its value, or null when it was left to the default.
    template <class T>
    JsonWriter& kv(const std::string& k, const std::optional<T>& v) { key(k); return v ? value(*v) : null(); }

    const std::string& str() const { assert(stack_.empty()); return out_; }

private:
    struct Level {
        bool object;
        bool empty = true;
    };
    JsonWriter& integer(long long v) { prefix(); out_ += std::to_string(v); return *this; }
    JsonWriter& uinteger(unsigned long long v) { prefix(); out_ += std::to_string(v); return *this; }

    void newline(size_t depth) {
        out_ += '\n';
        out_.append(2 * depth, ' ');
    }
    void separator() {
        Level& l = stack_.back();
        if (!l.empty) out_ += ',';
        if (l.object) newline(stack_.size());
        else if (!l.empty) out_ += ' ';
        l.empty = false;
    }
    void prefix() {
        if (pending_key_) { pending_key_ = false; return; }
        if (!stack_.empty()) {
            assert(!stack_.back().object);
            separator();
        }
    }
    void open(char c, bool object) {
        prefix();
        out_ += c;
        stack_.push_back(Level{object});
    }
    void close(char c) {
        assert(!stack_.empty());
        bool obj = stack_.back().object, empty = stack_.back().empty;
        stack_.pop_back();
        if (obj && !empty) newline(stack_.size());
        out_ += c;
        if (stack_.empty()) out_ += '\n';
    }
    void string_literal(const std::string& s) {
        out_ += '"';
        for (unsigned char c : s) {
            switch (c) {
                case '"': out_ += "\\\""; break;
                case '\\': out_ += "\\\\"; break;
                case '\n': out_ += "\\n"; break;
                case '\r': out_ += "\\r"; break;
                case '\t': out_ += "\\t"; break;
                default:
                    if (c < 0x20) {
                        char buf[8];
                        std::snprintf(buf, sizeof buf, "\\u%04x", c);
                        out_ += buf;
                    } else {
                        out_ += char(c);
                    }
            }
        }
        out_ += '"';
    }

    std::string out_;
    std::vector<Level> stack_;
    bool pending_key_ = false;
};

}  // namespace dqt

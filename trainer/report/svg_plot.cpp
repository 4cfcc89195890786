#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dq/error.h"

namespace dqt {

namespace {

constexpr double kW = 640, kH = 400, kLeft = 70, kRight = 20, kTop = 40, kBottom = 55;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

std::string tick_label(double v) {
    char b[32];
    if (v != 0 && (std::fabs(v) >= 1e5 || std::fabs(v) < 1e-3)) std::snprintf(b, sizeof b, "%.0e", v);
    else std::snprintf(b, sizeof b, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
    return b;
}

std::vector<double> nice_ticks(double lo, double hi) {
    std::vector<double> t;
    double range = hi - lo;
    if (!(range > 0)) return {lo};
    double raw = range / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * mag >= raw) { step = f * mag; break; }
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push_back(v);
    return t;
}

}  // namespace

std::string xml_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            default: o += c;
        }
    }
    return o;
}

std::string svg_line_plot(const PlotSpec& spec) {
    auto ty = [&](double y) { return spec.log_y ? std::log10(y) : y; };
    auto usable = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!spec.log_y || y > 0); };
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (const auto& s : spec.series)
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
            if (usable(s.x[i], s.y[i])) {
                xmin = std::min(xmin, s.x[i]);
                xmax = std::max(xmax, s.x[i]);
                ymin = std::min(ymin, ty(s.y[i]));
                ymax = std::max(ymax, ty(s.y[i]));
            }
    const bool empty = !(xmin <= xmax);
    if (spec.unit_square) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
    if (empty && !spec.unit_square) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
    if (spec.y_from_zero && !spec.log_y) { ymin = std::min(ymin, 0.0); ymax = std::max(ymax, 0.0); }
    if (xmax - xmin <= 0) { xmin -= 0.5; xmax += 0.5; }
    if (ymax - ymin <= 0) { double pad = std::max(std::fabs(ymin) * 0.05, 0.5); ymin -= pad; ymax += pad; }
    else if (!spec.unit_square) { double pad = (ymax - ymin) * 0.04; ymax += pad; if (!(spec.y_from_zero && ymin == 0)) ymin -= pad; }

    const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
    auto px = [&](double x) { return kLeft + (x - xmin) / (xmax - xmin) * pw; };
    auto py = [&](double y) { return kTop + ph - (y - ymin) / (ymax - ymin) * ph; };

    std::string o;
    o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\" viewBox=\"0 0 640 400\" "
         "font-family=\"sans-serif\" font-size=\"12\">\n";
    o += "<rect width=\"640\" height=\"400\" fill=\"white\"/>\n";
    o += "<text x=\"320\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + xml_escape(spec.title) + "</text>\n";
    // Grid and ticks.
    for (double t : nice_ticks(xmin, xmax)) {
        o += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(px(t)) + "\" y2=\"" +
             num(kTop + ph) + "\" stroke=\"#e5e5e5\"/>\n";
        o += "<text x=\"" + num(px(t)) + "\" y=\"" + num(kTop + ph + 16) + "\" text-anchor=\"middle\">" +
             tick_label(t) + "</text>\n";
    }
    std::vector<double> yticks = nice_ticks(ymin, ymax);
    if (spec.log_y) {  // ticks at 1, 2, 5 × 10^k (only 10^k when that gives too many)
        for (int pass = 0; pass < 2; ++pass) {
            yticks.clear();
            for (double k = std::floor(ymin); k <= std::ceil(ymax); k += 1)
                for (double f : pass == 0 ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
                    double t = k + std::log10(f);
                    if (t >= ymin - 1e-9 && t <= ymax + 1e-9) yticks.push_back(t);
                }
            if (yticks.size() <= 8) break;
        }
    }
    for (double t : yticks) {
        o += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(kLeft + pw) + "\" y2=\"" +
             num(py(t)) + "\" stroke=\"#e5e5e5\"/>\n";
        o += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(py(t) + 4) + "\" text-anchor=\"end\">" +
             tick_label(spec.log_y ? std::pow(10.0, t) : t) + "</text>\n";
    }
    o += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
         "\" fill=\"none\" stroke=\"#333\"/>\n";
    o += "<text x=\"" + num(kLeft + pw / 2) + "\" y=\"" + num(kH - 12) + "\" text-anchor=\"middle\">" +
         xml_escape(spec.x_label) + "</text>\n";
    o += "<text transform=\"translate(16," + num(kTop + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         xml_escape(spec.y_label + (spec.log_y ? " (log)" : "")) + "</text>\n";
    if (empty) {
        o += "<text x=\"" + num(kLeft + pw / 2) + "\" y=\"" + num(kTop + ph / 2) +
             "\" text-anchor=\"middle\" fill=\"#999\">no data</text>\n";
    }
    // Series.
    for (size_t si = 0; si < spec.series.size(); ++si) {
        const Series& s = spec.series[si];
        const char* color = kColors[si % (sizeof kColors / sizeof kColors[0])];
        const size_t n = std::min(s.x.size(), s.y.size());
        const size_t stride = n > 2000 ? (n + 1999) / 2000 : 1;
        std::string pts;
        auto flush = [&]() {
            if (!pts.empty())
                o += std::string("<polyline fill=\"none\" stroke=\"") + color + "\" stroke-width=\"1.5\" points=\"" +
                     pts + "\"/>\n";
            pts.clear();
        };
        std::vector<size_t> idx;
        for (size_t i = 0; i < n; i += stride) idx.push_back(i);
        if (n > 0 && idx.back() != n - 1) idx.push_back(n - 1);
        for (size_t i : idx) {
            if (!usable(s.x[i], s.y[i])) {
                flush();
            } else {
                if (!pts.empty()) pts += ' ';
                pts += num(px(s.x[i])) + "," + num(py(ty(s.y[i])));
            }
        }
        flush();
        if (n == 1 && usable(s.x[0], s.y[0]))
            o += std::string("<circle cx=\"") + num(px(s.x[0])) + "\" cy=\"" + num(py(ty(s.y[0]))) +
                 "\" r=\"3\" fill=\"" + color + "\"/>\n";
        const double ly = kTop + 14 + 16 * double(si);
        o += std::string("<line x1=\"") + num(kLeft + pw - 150) + "\" y1=\"" + num(ly - 4) + "\" x2=\"" +
             num(kLeft + pw - 130) + "\" y2=\"" + num(ly - 4) + "\" stroke=\"" + color + "\" stroke-width=\"2\"/>\n";
        o += "<text x=\"" + num(kLeft + pw - 125) + "\" y=\"" + num(ly) + "\">" + xml_escape(s.name) + "</text>\n";
    }
    o += "</svg>\n";
    return o;
}

std::string svg_pr_plot(const std::vector<EvalResult>& evals, const std::string& title) {
    PlotSpec p;
    p.title = title;
    p.x_label = "recall";
    p.y_label = "precision";
    p.unit_square = true;
    for (const auto& e : evals) {
        Series s;
        s.name = e.mode + dq::strformat(" (MAP %.1f)", 100 * e.metrics.map_all);
        for (const auto& pt : e.metrics.pr) {
            s.x.push_back(pt.recall);
            s.y.push_back(pt.precision);
        }
        p.series.push_back(std::move(s));
    }
    return svg_line_plot(p);
}

}  // namespace dqt

// Hand-written SVG plots for the reports.
//
// The plots are self-contained SVG 1.1 (no scripts, no external fonts) so they open in any browser
// and diff as text: loss per iteration, mean codeword distance per epoch (the paper's Fig. 2), and
// precision-recall curves. Non-finite points are skipped (a line breaks there rather than going
// off the chart); series longer than 2,000 points are thinned by taking every n-th point plus the last.
#pragma once

#include <string>
#include <vector>

#include "eval/eval.h"

namespace dqt {

struct Series {
    std::string name;          ///< legend text
    std::vector<double> x;     ///< same length as y
    std::vector<double> y;
};

struct PlotSpec {
    std::string title;
    std::string x_label;
    std::string y_label;
    bool log_y = false;        ///< log10 y axis (values <= 0 skipped)
    bool y_from_zero = false;  ///< include 0 in the y range
    bool unit_square = false;  ///< fix both axes to [0, 1] (PR curves)
    std::vector<Series> series;
};

/// The SVG document of a line plot (640 × 400). Never throws on empty or degenerate data: an
/// empty plot says "no data".
std::string svg_line_plot(const PlotSpec& spec);

/// Precision (y) against recall (x) of several evaluations, one series each, named by mode.
std::string svg_pr_plot(const std::vector<EvalResult>& evals, const std::string& title);

/// Escapes &, <, >, " for SVG text.
std::string xml_escape(const std::string& s);

}  // namespace dqt

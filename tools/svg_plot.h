// tools/svg_plot.h — small, dependency-free SVG charts for the experiment reports
// (results/figure16-*.svg, results/quorum*.svg): line charts (CDF steps, linear or log10
// x axis) and grouped bar charts.
//
// Written from C++ rather than gnuplot: no package for `make test` or the report targets
// to install, and the output is a pure function of the data (fixed number formatting,
// no timestamps, no fonts embedded), so the same seeds give the same bytes and a test can
// read the file back.
//
// Must never: read the clock or the environment; put unescaped text into the markup.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace raftlab::tools {

struct Axis {
  std::string title;
  double min = 0, max = 1;
  bool log10 = false;                                  // x only
  std::vector<std::pair<double, std::string>> ticks;  // value, label
};

struct Series {
  std::string label;
  std::string color;  // "#rrggbb"
  bool dashed = false;
  bool step = true;   // a CDF: horizontal then vertical between points
  std::vector<std::pair<double, double>> points;  // (x, y) in data units, x ascending
};

struct LineChart {
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::vector<std::string> notes;  // lines under the plot
  int width = 760, height = 440;
};

struct BarGroup {
  std::string label;           // a category on the x axis
  std::vector<double> values;  // one per series (NaN: no bar)
};
struct BarChart {
  std::string title;
  Axis y;
  std::vector<std::string> series;  // legend labels
  std::vector<std::string> colors;
  std::vector<BarGroup> groups;
  std::vector<std::string> notes;
  int width = 860, height = 420;
};

std::string render_svg(const LineChart& c);
std::string render_svg(const BarChart& c);
// XML text escaping (&, <, >, ", ').
std::string xml_escape(const std::string& s);
// A colour of a fixed palette (i >= 0), distinguishable in print and for common
// colour-vision deficiencies (Okabe & Ito's eight, then darker variants).
std::string palette(std::size_t i);

}  // namespace raftlab::tools

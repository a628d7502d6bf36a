// tools/svg_plot.cc — see svg_plot.h.
#include "tools/svg_plot.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace raftlab::tools {

std::string xml_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += ch;
    }
  }
  return o;
}

std::string palette(std::size_t i) {
  static const char* k[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
                            "#000000", "#f0e442", "#004c77", "#8a3d00", "#00674b", "#87506f"};
  return k[i % (sizeof(k) / sizeof(k[0]))];
}

namespace {

// Numbers in the markup: two decimals, no locale.
std::string num(double v) { return fmt::format("{:.2f}", v); }

struct Frame {
  double left = 70, right = 200, top = 40, bottom = 60;
  double w = 0, h = 0;
  double px(const Axis& a, double v) const {
    double lo = a.min, hi = a.max;
    if (a.log10) {
      v = std::log10(std::max(v, 1e-300));
      lo = std::log10(lo);
      hi = std::log10(hi);
    }
    const double t = (std::clamp(v, lo, hi) - lo) / (hi - lo);
    return left + t * w;
  }
  double py(const Axis& a, double v) const {
    const double t = (std::clamp(v, a.min, a.max) - a.min) / (a.max - a.min);
    return top + (1 - t) * h;
  }
};

std::string header(int width, int height, const std::string& title) {
  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
      width, height, width, height);
  o += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", width, height);
  o += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", 12, xml_escape(title));
  return o;
}

std::string axes(const Frame& f, const Axis& x, const Axis& y, bool x_ticks) {
  std::string o;
  for (const auto& [v, label] : y.ticks) {
    const double yy = f.py(y, v);
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e4e4e4\"/>\n", num(f.left), num(yy),
                     num(f.left + f.w), num(yy));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(f.left - 6), num(yy + 4),
                     xml_escape(label));
  }
  if (x_ticks) {
    for (const auto& [v, label] : x.ticks) {
      const double xx = f.px(x, v);
      o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e4e4e4\"/>\n", num(xx), num(f.top), num(xx),
                       num(f.top + f.h));
      o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(xx), num(f.top + f.h + 16),
                       xml_escape(label));
    }
  }
  o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444444\"/>\n", num(f.left),
                   num(f.top), num(f.w), num(f.h));
  o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(f.left + f.w / 2),
                   num(f.top + f.h + 36), xml_escape(x.title));
  o += fmt::format("<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
                   num(f.top + f.h / 2), num(f.top + f.h / 2), xml_escape(y.title));
  return o;
}

std::string notes(const std::vector<std::string>& lines, double x, double y) {
  std::string o;
  for (std::size_t i = 0; i < lines.size(); ++i)
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555555\">{}</text>\n", num(x),
                     num(y + 14.0 * static_cast<double>(i)), xml_escape(lines[i]));
  return o;
}

}  // namespace

std::string render_svg(const LineChart& c) {
  Frame f;
  f.bottom += 14.0 * static_cast<double>(c.notes.size());
  f.w = c.width - f.left - f.right;
  f.h = c.height - f.top - f.bottom;
  std::string o = header(c.width, c.height, c.title);
  o += axes(f, c.x, c.y, true);
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const Series& s = c.series[k];
    if (s.points.empty()) continue;
    std::string d;
    double last_y = 0;
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const double xx = f.px(c.x, s.points[i].first), yy = f.py(c.y, s.points[i].second);
      if (i == 0) {
        d += fmt::format("M{} {}", num(xx), num(yy));
      } else {
        if (s.step) d += fmt::format(" L{} {}", num(xx), num(last_y));
        d += fmt::format(" L{} {}", num(xx), num(yy));
      }
      last_y = yy;
    }
    o += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", d, s.color,
                     s.dashed ? "1.2" : "1.8", s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    // Legend.
    const double ly = f.top + 8 + 18.0 * static_cast<double>(k);
    const double lx = f.left + f.w + 14;
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", num(lx),
                     num(ly), num(lx + 22), num(ly), s.color, s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    o += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(lx + 28), num(ly + 4), xml_escape(s.label));
  }
  o += notes(c.notes, 12, c.height - 14.0 * static_cast<double>(c.notes.size()) - 2);
  o += "</svg>\n";
  return o;
}

std::string render_svg(const BarChart& c) {
  Frame f;
  f.right = 180;
  f.bottom += 14.0 * static_cast<double>(c.notes.size()) + 20;
  f.w = c.width - f.left - f.right;
  f.h = c.height - f.top - f.bottom;
  std::string o = header(c.width, c.height, c.title);
  Axis none;
  o += axes(f, none, c.y, false);
  const double gw = f.w / static_cast<double>(std::max<std::size_t>(1, c.groups.size()));
  const double bw = gw * 0.8 / static_cast<double>(std::max<std::size_t>(1, c.series.size()));
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const double gx = f.left + gw * static_cast<double>(g) + gw * 0.1;
    for (std::size_t k = 0; k < c.groups[g].values.size() && k < c.series.size(); ++k) {
      const double v = c.groups[g].values[k];
      if (std::isnan(v)) continue;
      const double y0 = f.py(c.y, c.y.min), y1 = f.py(c.y, v);
      o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                       num(gx + bw * static_cast<double>(k)), num(std::min(y0, y1)), num(bw * 0.92),
                       num(std::max(0.5, std::abs(y0 - y1))), k < c.colors.size() ? c.colors[k] : palette(k));
    }
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
                     num(f.left + gw * (static_cast<double>(g) + 0.5)), num(f.top + f.h + 16), xml_escape(c.groups[g].label));
  }
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const double ly = f.top + 8 + 18.0 * static_cast<double>(k);
    const double lx = f.left + f.w + 14;
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{}\"/>\n", num(lx), num(ly - 6),
                     k < c.colors.size() ? c.colors[k] : palette(k));
    o += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(lx + 20), num(ly + 4), xml_escape(c.series[k]));
  }
  o += notes(c.notes, 12, c.height - 14.0 * static_cast<double>(c.notes.size()) - 2);
  o += "</svg>\n";
  return o;
}

}  // namespace raftlab::tools

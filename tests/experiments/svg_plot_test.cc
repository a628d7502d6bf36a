// tests/experiments/svg_plot_test.cc — tools/svg_plot: the charts are a pure function of
// their data, and no label reaches the markup unescaped.
#include <gtest/gtest.h>

#include <string>

#include "tools/svg_plot.h"

namespace raftlab::tools {
namespace {

LineChart chart(const std::string& label) {
  LineChart c;
  c.title = std::string("t");  // (GCC 12 -Wrestrict false positive on assigning a literal)
  c.x = Axis{"x", 1, 1000, true, {{10, "10"}, {100, "100"}}};
  c.y = Axis{"y", 0, 1, false, {{0.5, "50%"}}};
  c.series.push_back(Series{label, palette(0), false, true, {{1, 0.1}, {10, 0.5}, {100, 1}}});
  return c;
}

TEST(SvgPlot, SameDataSameBytes) {
  EXPECT_EQ(render_svg(chart("a")), render_svg(chart("a")));
  EXPECT_NE(render_svg(chart("a")), render_svg(chart("b")));
  const std::string s = render_svg(chart("a"));
  EXPECT_EQ(s.rfind("<svg ", 0), 0u);
  EXPECT_NE(s.find("<path d=\"M"), std::string::npos);
}

TEST(SvgPlot, LabelsAreEscaped) {
  const std::string s = render_svg(chart("<script>alert('x')</script>&"));
  EXPECT_EQ(s.find("<script>"), std::string::npos);
  EXPECT_NE(s.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"), std::string::npos);
  BarChart b;
  b.title = std::string("\"quoted\"");
  b.y = Axis{"y", 0, 1, false, {}};
  b.series = {"s"};
  b.groups = {BarGroup{"<g>", {0.5}}};
  const std::string bs = render_svg(b);
  EXPECT_NE(bs.find("&quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(bs.find("&lt;g&gt;"), std::string::npos);
  EXPECT_EQ(bs.find("<g>"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::tools

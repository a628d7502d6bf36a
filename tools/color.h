// tools/color.h — colour for what a person reads on a terminal (roles, PASS/FAIL,
// warnings): on for a terminal, off when the output is piped or NO_COLOR is set
// (no-color.org's convention), or as `--color auto|always|never` says.
//
//   const Palette p = palette(color_mode, &out == &std::cout ? 1 : -1);
//   out << p.pass("PASS");
//
// Must never: colour JSON or any machine-read output; change a line's visible width
// (padding is applied before the colour, so tables stay aligned).
#pragma once

#include <cstdlib>
#include <string>

#include <unistd.h>

namespace raftlab::tools {

struct Palette {
  bool on = false;
  std::string wrap(const std::string& code, const std::string& text) const {
    return on ? "\x1b[" + code + "m" + text + "\x1b[0m" : text;
  }
  std::string pass(const std::string& t) const { return wrap("32", t); }        // green
  std::string fail(const std::string& t) const { return wrap("1;31", t); }      // bold red
  std::string warn(const std::string& t) const { return wrap("33", t); }        // yellow
  std::string leader(const std::string& t) const { return wrap("1;32", t); }    // bold green
  std::string candidate(const std::string& t) const { return wrap("36", t); }   // cyan
  std::string dim(const std::string& t) const { return wrap("2", t); }
};

// mode: "auto", "always" or "never"; fd: the file descriptor the text goes to (-1: not
// a file descriptor, e.g. a string stream — auto is then off).
inline Palette palette(const std::string& mode, int fd) {
  if (mode == "always") return Palette{true};
  if (mode == "never") return Palette{false};
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return Palette{false};
  return Palette{fd >= 0 && ::isatty(fd) == 1};
}

}  // namespace raftlab::tools

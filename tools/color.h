// tools/color.h — colour for what a person reads on a terminal (roles, PASS/FAIL,
// warnings and errors), one helper for every verb: on for a terminal, off when the output
// is piped or NO_COLOR is set (no-color.org's convention), or as `--color
// auto|always|never` says (add_color_option; default auto).
//
//   const Palette p = palette(color_mode, &out == &std::cout ? 1 : -1);
//   out << p.pass("PASS");
//   ColorLines coloured(out, p);          // or: every line a verb prints, its verdict
//   run_verb(coloured.stream(), err);     // words, roles and warnings coloured
//
// Must never: colour JSON or any machine-read output (run_cli leaves --json, --row and
// -w json alone); change a line's visible width (escape codes only wrap words; padding
// is applied before the colour, so tables stay aligned); reach a trace (output only).
#pragma once

#include <cstdlib>
#include <ostream>
#include <streambuf>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>

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

// `--color auto|always|never` on a verb, into *mode (run_cli adds it to every verb).
inline void add_color_option(CLI::App* sub, std::string* mode) {
  sub->add_option("--color", *mode,
                  "Colour on a terminal: auto (default; off when piped or NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

// One line with its verdict words, roles and warnings coloured (as they appear in every
// verb's output): PASS / FAIL / ERROR / AGREE / DIFFER ..., leader / candidate /
// pre-candidate / LEADER, and "warning:" / "error:" prefixes. Words are matched whole: a
// letter, digit, '-', '_', '.' or '/' next to one (a file name such as
// every-node-leader.json) leaves it alone.
std::string color_line(const std::string& line, const Palette& p);

// A stream whose lines go to `dest` through color_line (line by line, so a verb's output
// still streams). With the palette off it copies bytes unchanged.
class ColorLines {
 public:
  ColorLines(std::ostream& dest, const Palette& p) : buf_(dest, p), os_(&buf_) {}
  ColorLines(const ColorLines&) = delete;
  ColorLines& operator=(const ColorLines&) = delete;
  ~ColorLines() { os_.flush(); }
  std::ostream& stream() { return os_; }

 private:
  class Buf final : public std::streambuf {
   public:
    Buf(std::ostream& dest, const Palette& p) : dest_(dest), p_(p) {}
    ~Buf() override { emit(); }

   protected:
    int_type overflow(int_type c) override {
      if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
      line_.push_back(traits_type::to_char_type(c));
      if (c == '\n') emit();
      return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      for (std::streamsize i = 0; i < n; ++i) {
        line_.push_back(s[i]);
        if (s[i] == '\n') emit();
      }
      return n;
    }
    int sync() override {
      emit();
      dest_.flush();
      return 0;
    }

   private:
    void emit() {
      if (line_.empty()) return;
      dest_ << (p_.on ? color_line(line_, p_) : line_);
      line_.clear();
    }
    std::ostream& dest_;
    Palette p_;
    std::string line_;
  };
  Buf buf_;
  std::ostream os_;
};

}  // namespace raftlab::tools

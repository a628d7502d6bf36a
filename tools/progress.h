// tools/progress.h — a progress line on stderr for long commands (shrink, the
// experiments' loops), as `raftlab fuzz` has: on a terminal one line redrawn in place
// (at most every 0.2 s), otherwise a line every 5 s; nothing with --quiet or when stderr
// is not the process's own (tests run the CLI in process with string streams).
//
//   ProgressLine p(err, !quiet, "raftlab shrink");
//   p.update(fmt::format("{} runs", n));
//   p.done();
//
// Must never: write to stdout, or influence a result (it only reads the wall clock).
#pragma once

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <ostream>
#include <string>

namespace raftlab::tools {

class ProgressLine {
 public:
  ProgressLine(std::ostream& err, bool enabled, std::string who)
      : err_(err), on_(enabled && &err == &std::cerr), tty_(on_ && ::isatty(2) == 1), who_(std::move(who)) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { done(); }

  void update(const std::string& text) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (drawn_ && since < (tty_ ? 0.2 : 5.0)) return;
    last_ = now;
    if (tty_) {
      err_ << "\r\x1b[K" << who_ << ": " << text << std::flush;
    } else {
      err_ << who_ << ": " << text << "\n" << std::flush;
    }
    drawn_ = true;
  }
  // Ends the redrawn line (a terminal's cursor back to a fresh line).
  void done() {
    if (on_ && tty_ && drawn_) err_ << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream& err_;
  bool on_, tty_;
  std::string who_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace raftlab::tools

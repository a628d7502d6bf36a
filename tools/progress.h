// tools/progress.h — the progress line of every long command (fuzz, shrink, experiment,
// orders, diff, figure16, quorum-table), one helper for all: on stderr only, and only
// when stderr is a terminal (one line redrawn in place, at most every 0.2 s) or with
// --progress (then a line every 5 s, for logs); nothing with --quiet, or when stderr is
// not the process's own (tests run the CLI in process with string streams).
//
//   ProgressFlags flags;  add_progress_flags(sub, &flags);            // --progress, --quiet
//   ProgressLine p(err, flags, "raftlab shrink");
//   p.update(fmt::format("{} runs", n));   // drawn when due
//   p.clear();                             // before a line of stdout on the same terminal
//   p.done();
//
//   Heartbeat beat(p, [](double s) { return fmt::format("{:.0f} s", s); });  // for a
//   step that reports nothing while it runs (a thread redraws the line until ~Heartbeat)
//
// Must never: write to stdout (so never into --json or -w json output), or influence a
// result (it only reads the wall clock).
#pragma once

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

namespace raftlab::tools {

struct ProgressFlags {
  bool progress = false;  // --progress: also when stderr is no terminal
  bool quiet = false;     // --quiet: never
};

// --progress and (when the verb has none of its own meaning for it) --quiet/-q.
inline void add_progress_flags(CLI::App* sub, ProgressFlags* f, bool with_quiet = true) {
  sub->add_flag("--progress", f->progress,
                "Progress on stderr also when it is no terminal (a line every 5 s); on a terminal it is always shown");
  if (with_quiet) sub->add_flag("--quiet,-q", f->quiet, "No progress on stderr");
}

// Where and how a progress line is drawn.
struct ProgressMode {
  bool on = false;
  bool tty = false;  // redrawn in place
  double interval_s() const { return tty ? 0.2 : 5.0; }
};

// `err_tty`: whether stderr is a terminal (a parameter so tests can say).
inline ProgressMode progress_mode(const ProgressFlags& f, const std::ostream& err, bool err_tty) {
  if (f.quiet || &err != &std::cerr) return {};
  return ProgressMode{err_tty || f.progress, err_tty};
}
inline ProgressMode progress_mode(const ProgressFlags& f, const std::ostream& err) {
  return progress_mode(f, err, ::isatty(2) == 1);
}

class ProgressLine {
 public:
  ProgressLine(std::ostream& err, ProgressMode mode, std::string who) : err_(err), mode_(mode), who_(std::move(who)) {}
  ProgressLine(std::ostream& err, const ProgressFlags& f, std::string who)
      : ProgressLine(err, progress_mode(f, err), std::move(who)) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { done(); }

  bool on() const { return mode_.on; }
  const ProgressMode& mode() const { return mode_; }

  // Draws `text` when the last drawing is older than the mode's interval (or now, with
  // force: the caller paces itself, as lab::fuzz's progress callback does).
  void update(const std::string& text, bool force = false) {
    if (!mode_.on) return;
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (!force && drawn_ && since < mode_.interval_s()) return;
    last_ = now;
    if (mode_.tty) {
      err_ << "\r\x1b[K" << who_ << ": " << text << std::flush;
      shown_ = true;
    } else {
      err_ << who_ << ": " << text << "\n" << std::flush;
    }
    drawn_ = true;
  }
  // Erases a redrawn line, so what comes next (stdout on the same terminal) starts clean;
  // the next update draws again.
  void clear() {
    if (!mode_.on) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_.tty && shown_) err_ << "\r\x1b[K" << std::flush;
    shown_ = false;
  }
  // Ends the line for good (a terminal's cursor back at the start of a clean line).
  void done() {
    clear();
    drawn_ = false;
  }

 private:
  std::ostream& err_;
  ProgressMode mode_;
  std::string who_;
  std::mutex mu_;  // a Heartbeat draws from its thread
  bool drawn_ = false, shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// Redraws a ProgressLine from a thread while a step that reports nothing runs (orders'
// runs, diff's real cluster): text(elapsed seconds) at the line's interval, the first
// after 1 s (a short step shows nothing). Stopped and joined by the destructor.
class Heartbeat {
 public:
  Heartbeat(ProgressLine& line, std::function<std::string(double)> text) : line_(line), text_(std::move(text)) {
    if (!line_.on()) return;
    thread_ = std::thread([this] { loop(); });
  }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  ~Heartbeat() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    line_.done();
  }

 private:
  void loop() {
    const auto start = std::chrono::steady_clock::now();
    auto next = start + std::chrono::seconds(1);
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_until(lock, next, [this] { return stop_; })) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      line_.update(text_(s), true);
      next += std::chrono::milliseconds(static_cast<int>(line_.mode().interval_s() * 1000));
    }
  }

  ProgressLine& line_;
  std::function<std::string(double)> text_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// "1h02m", "3m05s", "42s"; "?" when unknown (negative) or absurd.
inline std::string eta_text(double s) {
  if (s < 0 || s > 1e7) return "?";
  const auto t = static_cast<long long>(s + 0.5);
  const auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (t >= 3600) return std::to_string(t / 3600) + "h" + two((t / 60) % 60) + "m";
  if (t >= 60) return std::to_string(t / 60) + "m" + two(t % 60) + "s";
  return std::to_string(t) + "s";
}

}  // namespace raftlab::tools

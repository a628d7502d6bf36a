// atomic_file.h — the one way raftlab writes an output file the user asked for (traces,
// failure files, shrink results): all of it or nothing (issue 24).
//
//   if (std::string why = write_file_atomic(path, text); !why.empty()) report(why);
//
// A regular file (or a new one) is written to a temporary file in the same directory,
// every write and the close checked, fsync'ed, then renamed over the target: a full disk
// or a crash leaves the old file or none, never a truncated or 0-byte one (the temporary
// file is removed on failure). A target that exists and is not a regular file (/dev/full,
// /dev/stdout, a FIFO) is written in place — never replaced by a rename — and every write
// and the close are still checked, so `--trace /dev/full` fails ("No space left on
// device").
//
// Must never: report success for a partial write; leave a temporary file behind; replace
// a device or FIFO with a regular file.
#pragma once

#include <string>
#include <string_view>

namespace raftlab::lab {

// "" on success, else what failed, naming the path and errno's text.
[[nodiscard]] std::string write_file_atomic(const std::string& path, std::string_view text);

// The same, written piece by piece (a streaming trace, issue 24): open() makes the
// temporary file (or opens a device or FIFO in place), write() appends and checks,
// commit() fsyncs, closes and renames. Destroyed without a successful commit(), it
// removes the temporary file: all or nothing, as write_file_atomic.
//
//   AtomicFileWriter f;
//   if (auto why = f.open(path); !why.empty()) fail(why);
//   f.write(part1); f.write(part2);             // false after the first failure
//   if (auto why = f.commit(); !why.empty()) fail(why);   // the first failure, if any
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();
  [[nodiscard]] std::string open(const std::string& path);
  bool write(std::string_view bytes);
  [[nodiscard]] std::string commit();

 private:
  void abandon();
  std::string path_, tmp_;  // tmp_ empty: written in place
  int fd_ = -1;
  std::string error_;
};

// Whether write_file_atomic(path, ...) can succeed as far as the path goes, checked before
// the work that produces the text: "" when its directory exists, is a directory and is
// writable and path is not a directory; else what is wrong, naming it ("no such
// directory", "a is a file, not a directory", ...). Callers make that exit 2 (bad input);
// a write that fails later (full disk) is exit 3.
[[nodiscard]] std::string output_file_problem(const std::string& path);

// mkdir -p for an output directory: "" on success, else a message naming the part of the
// path that is a regular file ("--out a/b: a is a file, not a directory") or errno's text.
[[nodiscard]] std::string make_output_dir(const std::string& dir);
// The same check without creating anything: "" when dir is, or can become, a directory.
[[nodiscard]] std::string output_dir_problem(const std::string& dir);

}  // namespace raftlab::lab

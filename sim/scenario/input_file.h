// input_file.h — read a user-named input file (scenario, failure file, shard output)
// safely: only a regular file is opened, so a FIFO, a character device (/dev/zero,
// /dev/tty), a socket or a directory is refused at once with a message naming the path
// and what it is, instead of blocking forever or reading without end (issue 24).
//
//   InputFile f = read_input_file(path, 1 << 20);
//   if (!f.ok()) { print(path + ": " + f.error + " — " + f.fix); return 2; }
//
// stat(2) before open(2); the open is O_NONBLOCK (a FIFO swapped in between the two
// calls cannot block it) and fstat(2) checks the opened file again.
//
// Must never: block on a non-regular file, read more than max_bytes + 1 bytes, throw.
#pragma once

#include <cstddef>
#include <string>

namespace raftlab::scenario {

struct InputFile {
  std::string text;   // the whole file when ok()
  std::string error;  // "" when ok: what is wrong ("is a FIFO (named pipe), not a regular file")
  std::string fix;    // how to fix it
  bool too_large = false;
  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] InputFile read_input_file(const std::string& path, std::size_t max_bytes);

// What kind of file st_mode is, in words ("a FIFO (named pipe)", "a directory", ...).
[[nodiscard]] std::string file_kind_words(unsigned mode);

}  // namespace raftlab::scenario

// input_file.cc — see input_file.h.
#include "sim/scenario/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>

namespace raftlab::scenario {

std::string file_kind_words(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO (named pipe)";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    default: return "not a regular file";
  }
}

namespace {

InputFile refuse(std::string error, std::string fix) {
  InputFile f;
  f.error = std::move(error);
  f.fix = std::move(fix);
  return f;
}

InputFile not_regular(unsigned mode) {
  if ((mode & S_IFMT) == S_IFDIR) return refuse("is a directory, not a scenario file", "name a .json file inside it");
  return refuse("is " + file_kind_words(mode) + ", not a regular file: raftlab reads only regular files",
                "save the input to a file first (e.g. `cat > x.json`) and name that file");
}

}  // namespace

InputFile read_input_file(const std::string& path, std::size_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return refuse(std::string("cannot open the file: ") + std::strerror(errno), "check the path");
  }
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return refuse(std::string("cannot open the file: ") + std::strerror(errno), "check the path and its permissions");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0) return refuse(std::string("cannot read the file: ") + std::strerror(errno), "check the path");
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    InputFile f = refuse("file is " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                             std::to_string(max_bytes),
                         "scenario files are small; split it or remove pasted logs");
    f.too_large = true;
    return f;
  }
  InputFile f;
  // Sized by fstat; grown (up to max_bytes + 1) only if the file grows while being read.
  f.text.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t have = 0;
  while (true) {
    if (have == f.text.size()) {
      if (have > max_bytes) break;
      f.text.resize(std::min(max_bytes + 1, 2 * have));
    }
    const ssize_t n = ::read(fd, f.text.data() + have, f.text.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      return refuse(std::string("cannot read the file: ") + std::strerror(errno), "check the file is readable");
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  f.text.resize(have);
  if (have > max_bytes) {  // grew since fstat
    InputFile big = refuse("file is larger than " + std::to_string(max_bytes) + " bytes",
                           "scenario files are small; split it or remove pasted logs");
    big.too_large = true;
    return big;
  }
  return f;
}

}  // namespace raftlab::scenario

// atomic_file.cc — see atomic_file.h.
#include "sim/lab/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace raftlab::lab {
namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return "cannot " + what + " \"" + path + "\": " + std::strerror(errno);
}

// Writes all of text to fd; false with errno set on failure.
bool write_all(int fd, std::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string write_file_atomic(const std::string& path, std::string_view text) {
  AtomicFileWriter f;
  if (std::string why = f.open(path); !why.empty()) return why;
  f.write(text);
  return f.commit();
}

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

void AtomicFileWriter::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

std::string AtomicFileWriter::open(const std::string& path) {
  abandon();
  path_ = path;
  error_.clear();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return error_ = "cannot write \"" + path + "\": it is a directory";
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) return error_ = errno_text("open", path);
    return {};
  }
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = ".";  // built with append: GCC 12's -Wrestrict misfires on "." + string
  name.append(target.filename().string()).append(".tmp-XXXXXX");
  std::string tmpl = (dir / name).string();
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0) return error_ = errno_text("create a file in the directory of", path);
  tmp_ = std::move(tmpl);
  return {};
}

bool AtomicFileWriter::write(std::string_view bytes) {
  if (fd_ < 0 || !error_.empty()) {
    if (error_.empty()) error_ = "cannot write \"" + path_ + "\": the file is not open";
    return false;
  }
  if (!write_all(fd_, bytes)) {
    error_ = errno_text("write", path_);
    return false;
  }
  return true;
}

std::string AtomicFileWriter::commit() {
  if (fd_ < 0 && error_.empty()) error_ = "cannot write \"" + path_ + "\": the file is not open";
  if (!error_.empty()) {
    abandon();
    return error_;
  }
  if (tmp_.empty()) {  // a device or FIFO, written in place
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return error_ = errno_text("close", path_);
    return {};
  }
  auto fail = [&](const std::string& what) {
    error_ = errno_text(what, path_);
    abandon();
    return error_;
  };
  if (::fsync(fd_) != 0) return fail("write (fsync)");
  // mkstemp makes 0600; an output file gets the usual 0644 (less the umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  (void)::fchmod(fd_, 0666 & ~mask);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return fail("write (close)");
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return fail("rename the finished file to");
  tmp_.clear();
  // The rename itself is durable once the directory is synced.
  namespace fs = std::filesystem;
  const fs::path target(path_);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

std::string output_file_problem(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return "an empty file name";
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::is_directory(target, ec)) return "\"" + path + "\" is a directory — name a file";
  // Walk down to the directory: the first part that is missing or not a directory.
  fs::path p;
  for (const auto& part : dir) {
    p /= part;
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st))
      return "cannot write \"" + path + "\": there is no directory " + p.string() + " — create it first";
    if (!fs::is_directory(st))
      return "cannot write \"" + path + "\": " + p.string() + " is a file, not a directory";
  }
  // A device or FIFO is written in place, a regular file through a temporary in dir.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (::access(path.c_str(), W_OK) != 0) return errno_text("write", path);
    return {};
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "cannot write \"" + path + "\": the directory " + dir.string() + " is not writable (" + std::strerror(errno) + ")";
  return {};
}

std::string output_dir_problem(const std::string& dir) {
  namespace fs = std::filesystem;
  // The first existing ancestor that is not a directory is the problem.
  fs::path p;
  for (const auto& part : fs::path(dir)) {
    p /= part;
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) break;
    if (!fs::is_directory(status))
      return "\"" + dir + "\": " + p.string() + " is a file, not a directory — name a directory for the output";
  }
  return {};
}

std::string make_output_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (std::string why = output_dir_problem(dir); !why.empty()) return why;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create the directory \"" + dir + "\": " + ec.message();
  return {};
}

}  // namespace raftlab::lab

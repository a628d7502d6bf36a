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
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return "cannot write \"" + path + "\": it is a directory";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return errno_text("open", path);
    if (!write_all(fd, text)) {
      const std::string why = errno_text("write", path);
      ::close(fd);
      return why;
    }
    if (::close(fd) != 0) return errno_text("close", path);
    return {};
  }
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = ".";  // built with append: GCC 12's -Wrestrict misfires on "." + string
  name.append(target.filename().string()).append(".tmp-XXXXXX");
  std::string tmpl = (dir / name).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return errno_text("create a file in the directory of", path);
  auto fail = [&](const std::string& what) {
    const std::string why = errno_text(what, path);
    ::close(fd);
    ::unlink(tmpl.c_str());
    return why;
  };
  if (!write_all(fd, text)) return fail("write");
  if (::fsync(fd) != 0) return fail("write (fsync)");
  // mkstemp makes 0600; an output file gets the usual 0644 (less the umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  (void)::fchmod(fd, 0666 & ~mask);
  if (::close(fd) != 0) {
    const std::string why = errno_text("write (close)", path);
    ::unlink(tmpl.c_str());
    return why;
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text("rename the finished file to", path);
    ::unlink(tmpl.c_str());
    return why;
  }
  // The rename itself is durable once the directory is synced.
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

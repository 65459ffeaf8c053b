// Chunked line reading (see line_reader.h). The search for '\n' resumes where the previous
// one stopped, so a long line arriving over many chunks is scanned once, not once per chunk.
#include "strace/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sysfence {

Result<LineReader> LineReader::Open(const std::string& path) {
  if (path == "-") {
    UniqueFd in(fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0));
    if (!in.valid()) return MakeError("standard input: {}", strerror(errno));
    return LineReader(std::move(in), "standard input");
  }
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return MakeError("{}: {}", path, strerror(errno));
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) return MakeError("{}: {}", path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return MakeError("{}: is a directory", path);
  return LineReader(std::move(fd), path);
}

LineReader::LineReader(UniqueFd fd, std::string name, size_t chunk_bytes)
    : fd_(std::move(fd)), name_(std::move(name)), chunk_bytes_(chunk_bytes > 0 ? chunk_bytes : 1) {}

bool LineReader::Fill() {
  if (eof_ || !status_.ok()) return false;
  // Drop the lines already handed out, so the buffer holds only the current partial line.
  if (begin_ > 0) {
    buffer_.erase(0, begin_);
    scanned_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() > kMaxLineBytes) {
    if (!overlong_) {
      head_.assign(buffer_, 0, kKeptHeadBytes);
      overlong_ = true;
    }
    size_t drop = buffer_.size() - kKeptTailBytes;
    buffer_.erase(0, drop);
    scanned_ -= drop;
  }
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + chunk_bytes_);
  ssize_t got;
  do {
    got = read(fd_.get(), buffer_.data() + old_size, chunk_bytes_);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    status_ = MakeError("{}: {}", name_, strerror(errno));
    buffer_.resize(old_size);
    return false;
  }
  buffer_.resize(old_size + static_cast<size_t>(got));
  bytes_read_ += static_cast<uint64_t>(got);
  if (got == 0) eof_ = true;
  return got > 0;
}

std::string_view LineReader::Emit(size_t end, size_t next_begin) {
  std::string_view line(buffer_.data() + begin_, end - begin_);
  begin_ = next_begin;
  scanned_ = next_begin;
  ++line_number_;
  line_shortened_ = overlong_;
  if (!overlong_) return line;
  overlong_ = false;
  joined_.assign(head_);
  joined_.append(line);
  return joined_;
}

std::optional<std::string_view> LineReader::Next() {
  line_unterminated_ = false;
  while (true) {
    const char* start = buffer_.data() + scanned_;
    const void* newline = memchr(start, '\n', buffer_.size() - scanned_);
    if (newline != nullptr) {
      size_t end = static_cast<size_t>(static_cast<const char*>(newline) - buffer_.data());
      return Emit(end, end + 1);
    }
    scanned_ = buffer_.size();
    if (!Fill()) {
      if (!status_.ok()) return std::nullopt;
      if (begin_ == buffer_.size() && !overlong_) return std::nullopt;
      line_unterminated_ = true;
      return Emit(buffer_.size(), buffer_.size());
    }
  }
}

}  // namespace sysfence

// Reads a text file line by line in fixed-size chunks, so a log of any size is read in bounded
// memory and every byte is looked at a constant number of times. A line longer than
// kMaxLineBytes keeps its first kKeptHeadBytes and last kKeptTailBytes and loses its middle,
// which for strace output is the middle of the arguments.
//
//   Result<LineReader> reader = LineReader::Open(path);
//   while (std::optional<std::string_view> line = reader->Next()) Use(*line, reader->line_number());
//   if (!reader->status().ok()) return reader->status().error();
#ifndef SYSFENCE_STRACE_LINE_READER_H_
#define SYSFENCE_STRACE_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace sysfence {

class LineReader {
 public:
  static constexpr size_t kChunkBytes = size_t{1} << 20;
  static constexpr size_t kMaxLineBytes = size_t{1} << 20;
  static constexpr size_t kKeptHeadBytes = size_t{64} << 10;
  static constexpr size_t kKeptTailBytes = size_t{16} << 10;

  // Fails (naming `path`) when it cannot be opened or is a directory. "-" is standard input.
  static Result<LineReader> Open(const std::string& path);
  // Reads from `fd`; `name` stands for it in error messages.
  LineReader(UniqueFd fd, std::string name, size_t chunk_bytes = kChunkBytes);

  // The next line without its '\n', or nullopt at the end of the input or on a read error
  // (then status() says which). The view stays valid until the next call.
  std::optional<std::string_view> Next();

  // 1-based number of the line Next() returned last.
  uint64_t line_number() const { return line_number_; }
  // The line Next() returned last ended the input without a '\n' (a killed writer).
  bool line_unterminated() const { return line_unterminated_; }
  // The line Next() returned last lost its middle.
  bool line_shortened() const { return line_shortened_; }
  uint64_t bytes_read() const { return bytes_read_; }
  const Status& status() const { return status_; }

 private:
  // Appends up to one chunk to buffer_; false at the end of the input or on an error.
  bool Fill();
  std::string_view Emit(size_t end, size_t next_begin);

  UniqueFd fd_;
  std::string name_;
  size_t chunk_bytes_;
  std::string buffer_;
  size_t begin_ = 0;    // start of the current line in buffer_
  size_t scanned_ = 0;  // buffer_[begin_, scanned_) holds no '\n'
  bool eof_ = false;
  // A line longer than kMaxLineBytes: its head is kept here while its middle is dropped.
  bool overlong_ = false;
  std::string head_;
  std::string joined_;
  uint64_t line_number_ = 0;
  bool line_unterminated_ = false;
  bool line_shortened_ = false;
  uint64_t bytes_read_ = 0;
  Status status_ = Ok{};
};

}  // namespace sysfence

#endif  // SYSFENCE_STRACE_LINE_READER_H_

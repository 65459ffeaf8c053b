// LineReader: lines across chunk boundaries, an unterminated last line, and the bounded memory
// kept for a line longer than kMaxLineBytes.
#include "strace/line_reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sysfence {
namespace {

// An anonymous in-memory file holding `contents`, positioned at its start.
UniqueFd MemoryFile(const std::string& contents) {
  UniqueFd fd(memfd_create("line_reader_test", MFD_CLOEXEC));
  EXPECT_TRUE(fd.valid());
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = write(fd.get(), contents.data() + written, contents.size() - written);
    EXPECT_GT(n, 0);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

std::vector<std::string> ReadAll(LineReader& reader) {
  std::vector<std::string> lines;
  while (std::optional<std::string_view> line = reader.Next()) lines.emplace_back(*line);
  return lines;
}

TEST(LineReader, ReadsLinesAcrossChunkBoundaries) {
  LineReader reader(MemoryFile("first line\nsecond\n\nfourth line here\n"), "mem", 3);
  EXPECT_EQ(ReadAll(reader),
            (std::vector<std::string>{"first line", "second", "", "fourth line here"}));
  EXPECT_EQ(reader.line_number(), 4u);
  EXPECT_FALSE(reader.line_unterminated());
  EXPECT_EQ(reader.bytes_read(), 36u);
  EXPECT_TRUE(reader.status().ok());
}

TEST(LineReader, FlagsAnUnterminatedLastLine) {
  LineReader reader(MemoryFile("a\nread(3, \"ab"), "mem", 4);
  ASSERT_EQ(reader.Next(), "a");
  EXPECT_FALSE(reader.line_unterminated());
  ASSERT_EQ(reader.Next(), "read(3, \"ab");
  EXPECT_TRUE(reader.line_unterminated());
  EXPECT_EQ(reader.Next(), std::nullopt);
}

TEST(LineReader, ReadsNothingFromAnEmptyFile) {
  LineReader reader(MemoryFile(""), "mem");
  EXPECT_EQ(reader.Next(), std::nullopt);
  EXPECT_EQ(reader.bytes_read(), 0u);
}

TEST(LineReader, KeepsHeadAndTailOfAnOverlongLine) {
  std::string head = "1234  write(1, \"";
  std::string middle(3 * LineReader::kMaxLineBytes, 'x');
  std::string tail = "\", 3145728) = 3145728";
  LineReader reader(MemoryFile(head + middle + tail + "\nnext\n"), "mem", 64 << 10);
  std::optional<std::string_view> line = reader.Next();
  ASSERT_TRUE(line.has_value());
  EXPECT_TRUE(reader.line_shortened());
  EXPECT_TRUE(line->starts_with(head));
  EXPECT_TRUE(line->ends_with(tail));
  EXPECT_LE(line->size(), LineReader::kKeptHeadBytes + LineReader::kMaxLineBytes + (64 << 10));
  EXPECT_EQ(reader.Next(), "next");
  EXPECT_FALSE(reader.line_shortened());
  EXPECT_EQ(reader.line_number(), 2u);
}

TEST(LineReader, OpenNamesAMissingFileOrADirectory) {
  Result<LineReader> missing = LineReader::Open("/nonexistent/strace.log");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/strace.log"), std::string::npos);
  Result<LineReader> directory = LineReader::Open("/");
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message().find("directory"), std::string::npos);
}

}  // namespace
}  // namespace sysfence

// The failure report of a launcher child: read whole, checked, or not at all.
#include "base/launch_failure.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "base/unique_fd.h"

namespace sysfence {
namespace {

// A pipe holding `bytes`, its write end closed as the child's is after exec or exit.
UniqueFd PipeHolding(const void* bytes, size_t size) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  if (size > 0) {
    EXPECT_EQ(write(write_end.get(), bytes, size), static_cast<ssize_t>(size));
  }
  return read_end;
}

TEST(LaunchFailure, ReadsTheRecordTheChildWrote) {
  LaunchFailure sent{LaunchFailure::Stage::kSeccompFilter, EACCES};
  UniqueFd fd = PipeHolding(&sent, sizeof sent);
  std::optional<LaunchFailure> got = ReadLaunchFailure(fd.get());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->stage, LaunchFailure::Stage::kSeccompFilter);
  EXPECT_EQ(got->error_number, EACCES);
}

TEST(LaunchFailure, EndOfFileMeansTheProgramRan) {
  UniqueFd fd = PipeHolding(nullptr, 0);
  EXPECT_FALSE(ReadLaunchFailure(fd.get()).has_value());
  int half = 1;
  UniqueFd cut = PipeHolding(&half, sizeof half);
  EXPECT_FALSE(ReadLaunchFailure(cut.get()).has_value()) << "a cut record is no record";
}

TEST(LaunchFailure, UnknownStageReadsAsExecve) {
  int raw[2] = {77, ENOENT};
  UniqueFd fd = PipeHolding(raw, sizeof raw);
  std::optional<LaunchFailure> got = ReadLaunchFailure(fd.get());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->stage, LaunchFailure::Stage::kExecve);
  EXPECT_EQ(got->error_number, ENOENT);
}

}  // namespace
}  // namespace sysfence

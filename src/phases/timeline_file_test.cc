// Pins down the events file: round trip and line-numbered errors.
#include "phases/timeline_file.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

TEST(TimelineFile, WritesAndReadsBack) {
  std::string path = "/tmp/sysfence-timeline-test.events";
  {
    auto writer = TimelineWriter::Open(path);
    ASSERT_TRUE(writer.ok());
    writer->Write({0.5, 7, *SyscallNumber("read")});
    writer->Write({1.25, 8, 600});
    ASSERT_TRUE(writer->Close().ok());
  }
  auto events = ReadTimelineFile(path);
  ASSERT_TRUE(events.ok()) << events.error().message();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_DOUBLE_EQ((*events)[1].time, 1.25);
  EXPECT_EQ((*events)[1].pid, 8);
  EXPECT_EQ((*events)[1].number, 600);
  unlink(path.c_str());
}

TEST(TimelineFile, RejectsOtherFilesAndBadLinesWithLineNumbers) {
  EXPECT_FALSE(ParseTimeline("0.1\t1\tread\n", "x").ok()) << "no header";
  auto bad = ParseTimeline("# sysfence events 1\n0.1\t1\tread\n0.2\t1\tfrobnicate\n", "x.events");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("x.events:3"), std::string::npos);
  EXPECT_FALSE(ParseTimeline("# sysfence events 1\n0.2\t1\tread\n0.1\t1\tread\n", "x").ok());
  EXPECT_FALSE(ParseTimeline("# sysfence events 1\nabc\t1\tread\n", "x").ok());
}

}  // namespace
}  // namespace sysfence

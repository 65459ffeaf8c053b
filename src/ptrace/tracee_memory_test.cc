// Reading strings and bytes from a process's memory, up to and around unreadable pages, and
// naming its descriptors. The process read is this one: the same calls work on a tracee.
#include "ptrace/tracee_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "ptrace/tracee_fds.h"

namespace sysfence {
namespace {

uint64_t Address(const void* pointer) { return reinterpret_cast<uint64_t>(pointer); }

// Two pages, the second inaccessible: a string can end exactly at the boundary.
class GuardedPage : public ::testing::Test {
 protected:
  void SetUp() override {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* map = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    ASSERT_NE(map, MAP_FAILED);
    base_ = static_cast<char*>(map);
    ASSERT_EQ(mprotect(base_ + page_, page_, PROT_NONE), 0);
  }
  void TearDown() override { munmap(base_, 2 * page_); }
  size_t page_ = 0;
  char* base_ = nullptr;
};

TEST_F(GuardedPage, ReadsStringEndingJustBeforeUnreadablePage) {
  const char kText[] = "/etc/passwd";
  char* at = base_ + page_ - sizeof kText;  // the NUL is the page's last byte
  memcpy(at, kText, sizeof kText);
  Result<std::string> text = ReadTraceeString(getpid(), Address(at));
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, "/etc/passwd");
}

TEST_F(GuardedPage, StringRunningIntoUnreadablePageFails) {
  memset(base_, 'x', page_);  // no NUL before the guard page
  Result<std::string> text = ReadTraceeString(getpid(), Address(base_ + page_ - 8));
  EXPECT_FALSE(text.ok());
}

TEST_F(GuardedPage, BytesAreAllOrNothing) {
  memset(base_, 'y', page_);
  Result<std::string> inside = ReadTraceeBytes(getpid(), Address(base_ + page_ - 4), 4);
  ASSERT_TRUE(inside.ok()) << inside.error().message();
  EXPECT_EQ(*inside, "yyyy");
  EXPECT_FALSE(ReadTraceeBytes(getpid(), Address(base_ + page_ - 4), 5).ok());
}

TEST(TraceeMemory, LongStringStopsAtLimit) {
  std::string long_text(10000, 'z');
  Result<std::string> capped = ReadTraceeString(getpid(), Address(long_text.c_str()), 100);
  EXPECT_FALSE(capped.ok());
  Result<std::string> whole = ReadTraceeString(getpid(), Address(long_text.c_str()), 20000);
  ASSERT_TRUE(whole.ok()) << whole.error().message();
  EXPECT_EQ(whole->size(), 10000u) << "crosses several pages";
  EXPECT_FALSE(ReadTraceeString(getpid(), 0).ok()) << "address 0";
}

TEST(TraceeFds, NamesOpenDescriptors) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  Result<std::string> target = TraceeFdTarget(getpid(), fd);
  ASSERT_TRUE(target.ok()) << target.error().message();
  EXPECT_EQ(*target, "/dev/null");
  Result<std::vector<TraceeFd>> all = ListTraceeFds(getpid());
  ASSERT_TRUE(all.ok()) << all.error().message();
  bool listed = false;
  for (const TraceeFd& entry : *all) listed |= entry.fd == fd && entry.target == "/dev/null";
  EXPECT_TRUE(listed);
  close(fd);
  EXPECT_FALSE(TraceeFdTarget(getpid(), fd).ok());
}

}  // namespace
}  // namespace sysfence

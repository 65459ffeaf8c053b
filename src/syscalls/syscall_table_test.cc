// Pins the generated syscall table to the system's own headers and to the kernel's numbering.
#include "syscalls/syscall_table.h"

#include <asm/unistd_32.h>
#include <asm/unistd_64.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace sysfence {
namespace {

// Every `#define __NR_name number` in a uapi header.
std::map<std::string, int> ReadUapiHeader(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, int> result;
  std::regex define(R"(^#define\s+__NR_(\w+)\s+(\d+)\s*$)");
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_match(line, match, define)) result[match[1]] = std::stoi(match[2]);
  }
  return result;
}

TEST(SyscallTable, AgreesWithEveryEntryOfAsmUnistd64) {
  auto header = ReadUapiHeader("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
  ASSERT_GT(header.size(), 300u) << "could not read asm/unistd_64.h";
  for (const auto& [name, number] : header) {
    EXPECT_EQ(SyscallName(number), name) << number;
    EXPECT_EQ(SyscallNumber(name), number) << name;
  }
}

TEST(SyscallTable, AgreesWithEveryEntryOfAsmUnistd32) {
  auto header = ReadUapiHeader("/usr/include/x86_64-linux-gnu/asm/unistd_32.h");
  ASSERT_GT(header.size(), 300u) << "could not read asm/unistd_32.h";
  for (const auto& [name, number] : header) {
    EXPECT_EQ(I386SyscallName(number), name) << number;
  }
}

TEST(SyscallTable, MacrosOfTheCompilerHeadersMatch) {
  EXPECT_EQ(SyscallNumber("read"), __NR_read);
  EXPECT_EQ(SyscallNumber("openat"), __NR_openat);
  EXPECT_EQ(SyscallNumber("exit_group"), __NR_exit_group);
  EXPECT_EQ(I386SyscallNumber("exit"), 1);
  EXPECT_EQ(I386SyscallNumber("write"), 4);
}

TEST(SyscallTable, CoversSyscallsNewerThanTheHeadersUpToLinux618) {
  EXPECT_EQ(SyscallNumber("cachestat"), 451);
  EXPECT_EQ(SyscallNumber("mseal"), 462);
  EXPECT_EQ(SyscallNumber("file_setattr"), 469);
  EXPECT_EQ(I386SyscallNumber("file_setattr"), 469);
  EXPECT_EQ(SyscallName(470), "");
}

TEST(SyscallTable, NamesAndNumbersAreUniqueAndRoundTrip) {
  std::set<std::string_view> names;
  for (const SyscallInfo& info : AllSyscalls()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(SyscallNumber(info.name), info.number);
    EXPECT_EQ(FindSyscall(info.number), &info);
  }
  EXPECT_EQ(static_cast<int>(names.size()), TotalSyscallCount());
  EXPECT_EQ(TotalSyscallCount(), 381);
}

TEST(SyscallTable, UnknownNumbersAndNamesAreRejected) {
  EXPECT_EQ(SyscallName(-1), "");
  EXPECT_EQ(SyscallName(600), "");
  EXPECT_EQ(SyscallName(335), "");  // the hole between rseq and pidfd_send_signal
  EXPECT_FALSE(SyscallNumber("not_a_syscall").has_value());
}

TEST(SyscallTable, CategoriesMatchThePostersVocabulary) {
  EXPECT_EQ(SyscallCategory(*SyscallNumber("socket")), Category::kNetwork);
  EXPECT_EQ(SyscallCategory(*SyscallNumber("clone")), Category::kProcess);
  EXPECT_EQ(SyscallCategory(*SyscallNumber("read")), Category::kDescriptorIo);
  EXPECT_EQ(SyscallCategory(*SyscallNumber("rt_sigaction")), Category::kSignal);
  EXPECT_EQ(SyscallCategory(*SyscallNumber("mkdir")), Category::kFile);
  EXPECT_EQ(SyscallCategory(*SyscallNumber("gettimeofday")), Category::kTime);
  for (int i = 0; i < kCategoryCount; ++i) {
    auto category = static_cast<Category>(i);
    EXPECT_EQ(CategoryFromName(CategoryName(category)), category);
    EXPECT_FALSE(CategoryTitle(category).empty());
  }
}

}  // namespace
}  // namespace sysfence

// Pins down the per-object summary on real objects: the test library's marker sites and
// constructor, libc's syscall() as a wrapper taking the number in %rdi, constant numbers in
// ordinary wrappers, PLT stubs named after their import, a function partition that covers
// the code exactly, and the same summary from one thread or two.
#include "analysis/object_analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "analysis/summary_cache.h"
#include "analysis/value_set.h"
#include "elf/eh_frame.h"

namespace sysfence {
namespace {

std::string TestLibrary() {
  return std::string(SYSFENCE_BINARY_DIR) + "/tests/programs/static/libsftest.so";
}

const FunctionSummary* Named(const ObjectSummary& s, std::string_view name) {
  for (const FunctionSummary& f : s.functions) {
    if (s.NameOf(f) == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> SiteNumbers(const ObjectSummary& s, const FunctionSummary& f) {
  std::vector<std::string> out;
  for (const SyscallSite& site : s.SitesOf(f)) {
    if (site.number.unknown) {
      out.push_back("top");
      continue;
    }
    for (uint64_t bits : s.AtomsOf(site.number)) out.push_back(Atom::FromBits(bits).ToString());
  }
  return out;
}

TEST(ObjectAnalyzer, TestLibrarySitesAndConstructor) {
  auto elf = ElfFile::Open(TestLibrary());
  ASSERT_TRUE(elf.ok()) << elf.error().message();
  auto s = AnalyzeObject(**elf);
  ASSERT_TRUE(s.ok());
  const FunctionSummary* direct = Named(*s, "sf_lib_direct");
  ASSERT_NE(direct, nullptr);
  EXPECT_EQ(SiteNumbers(*s, *direct), (std::vector<std::string>{"610"}));
  const FunctionSummary* unused = Named(*s, "sf_lib_exported_unused");
  ASSERT_NE(unused, nullptr);
  EXPECT_EQ(SiteNumbers(*s, *unused), (std::vector<std::string>{"612"}));
  // The constructor runs from .init_array: it is among the init functions.
  bool constructor = false;
  for (uint32_t f : s->init_functions) {
    constructor |= SiteNumbers(*s, s->functions[f]) == std::vector<std::string>{"613"};
  }
  EXPECT_TRUE(constructor);
}

TEST(ObjectAnalyzer, LibcSyscallTakesItsNumberInRdi) {
  auto elf = ElfFile::Open("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_TRUE(elf.ok());
  auto s = AnalyzeObject(**elf);
  ASSERT_TRUE(s.ok());
  const FunctionSummary* syscall = Named(*s, "syscall");
  ASSERT_NE(syscall, nullptr);
  EXPECT_EQ(SiteNumbers(*s, *syscall), (std::vector<std::string>{"arg:rdi"}));
  for (const ElfSymbol& sym : (*elf)->dynamic_symbols()) {
    if (sym.name != "getpid") continue;
    uint32_t f = s->FunctionAt(sym.value);
    ASSERT_NE(f, kNoIndex);
    EXPECT_EQ(SiteNumbers(*s, s->functions[f]), (std::vector<std::string>{"39"}));
  }
  // Nearly every one of libc's 526 syscall instructions has a constant or argument number.
  size_t sites = 0, unknown = 0;
  for (const SyscallSite& site : s->sites) {
    ++sites;
    unknown += site.number.unknown;
  }
  EXPECT_GE(sites, 520u);
  EXPECT_LE(unknown, 4u);
}

TEST(ObjectAnalyzer, PltStubsAreNamedAfterTheirImports) {
  auto elf = ElfFile::Open("/usr/bin/diff");
  ASSERT_TRUE(elf.ok());
  auto s = AnalyzeObject(**elf);
  ASSERT_TRUE(s.ok());
  EXPECT_NE(Named(*s, "open@plt"), nullptr);
  EXPECT_NE(Named(*s, "__cxa_finalize@plt"), nullptr);  // .plt.got
  ASSERT_NE(s->entry_function, kNoIndex);
}

TEST(ObjectAnalyzer, FunctionsPartitionTheCodeExactly) {
  auto elf = ElfFile::Open("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_TRUE(elf.ok());
  auto s = AnalyzeObject(**elf);
  ASSERT_TRUE(s.ok());
  auto fdes = ReadEhFrameRanges(**elf);
  ASSERT_TRUE(fdes.ok());
  EXPECT_GE(s->functions.size(), fdes->size() / 2);
  const ElfSection* text = (*elf)->FindSection(".text");
  ASSERT_NE(text, nullptr);
  uint64_t covered = 0;
  for (size_t i = 0; i < s->functions.size(); ++i) {
    const FunctionSummary& f = s->functions[i];
    ASSERT_LT(f.start, f.end);
    if (i > 0) {
      ASSERT_LE(s->functions[i - 1].end, f.start);
    }
    if (f.start >= text->address && f.end <= text->address + text->size) covered += f.end - f.start;
  }
  EXPECT_EQ(covered, text->size);
  for (size_t i = 1; i < s->regions.size(); ++i) {
    ASSERT_LE(s->regions[i - 1].end, s->regions[i].start);
  }
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// A large object's functions are analysed on two threads and put back in order: the summary
// is byte for byte the one a single thread makes.
TEST(ObjectAnalyzer, TwoThreadsMakeTheSameSummary) {
  for (std::string path :
       {std::string("/lib/x86_64-linux-gnu/libc.so.6"),
        std::string(SYSFENCE_BINARY_DIR) + "/tests/programs/go/gomarkers_cgo_stripped"}) {
    auto elf = ElfFile::Open(path);
    ASSERT_TRUE(elf.ok()) << elf.error().message();
    auto one = AnalyzeObject(**elf, 1);
    auto two = AnalyzeObject(**elf, 2);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_GT(one->functions.size(), 2000u) << path;  // enough for the second thread
    CacheKey key;
    EXPECT_EQ(SerializeSummary(key, *one), SerializeSummary(key, *two)) << path;
  }
}

}  // namespace
}  // namespace sysfence

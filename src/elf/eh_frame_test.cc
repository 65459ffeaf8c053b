// Pins down FDE range extraction: libc's exported functions start where an FDE starts, every
// range lies in executable code, and a corrupt .eh_frame is an Error, never a crash.
#include "elf/eh_frame.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "base/file_util.h"

namespace sysfence {
namespace {

TEST(EhFrame, LibcFunctionsStartAtFdeBoundaries) {
  auto elf = ElfFile::Open("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_TRUE(elf.ok());
  auto ranges = ReadEhFrameRanges(**elf);
  ASSERT_TRUE(ranges.ok()) << ranges.error().message();
  EXPECT_GT(ranges->size(), 2000u);
  EXPECT_TRUE(std::is_sorted(ranges->begin(), ranges->end(),
                             [](auto& a, auto& b) { return a.begin < b.begin; }));
  for (const FdeRange& r : *ranges) {
    const ElfSection* section = (*elf)->SectionAt(r.begin);
    ASSERT_NE(section, nullptr);
    EXPECT_TRUE(section->IsExecutable()) << section->name;
    EXPECT_LE(r.end, section->address + section->size);
  }
  for (std::string_view name : {"getpid", "open", "fork", "qsort"}) {
    auto symbol = std::find_if((*elf)->dynamic_symbols().begin(), (*elf)->dynamic_symbols().end(),
                               [&](const ElfSymbol& s) { return s.name == name; });
    ASSERT_NE(symbol, (*elf)->dynamic_symbols().end());
    EXPECT_TRUE(std::any_of(ranges->begin(), ranges->end(), [&](const FdeRange& r) {
      return r.begin == symbol->value;
    })) << name;
  }
}

TEST(EhFrame, ProgramWithoutSectionsFindsFramesThroughEhFrameHdr) {
  auto elf = ElfFile::Open("/usr/bin/diff");
  ASSERT_TRUE(elf.ok());
  auto with_sections = ReadEhFrameRanges(**elf);
  ASSERT_TRUE(with_sections.ok());
  EXPECT_GT(with_sections->size(), 100u);
  EXPECT_TRUE(std::any_of(with_sections->begin(), with_sections->end(), [&](const FdeRange& r) {
    return r.begin <= (*elf)->entry() && (*elf)->entry() < r.end;
  }));
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

TEST(EhFrame, CxxLibraryNamesItsPersonalityRoutine) {
  auto elf = ElfFile::Open("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
  ASSERT_TRUE(elf.ok());
  auto frame = ReadEhFrame(**elf);
  ASSERT_TRUE(frame.ok()) << frame.error().message();
  ASSERT_FALSE(frame->personalities.empty());
  // Each names a word in data (DW.ref.__gxx_personality_v0) or a function in code.
  for (const Personality& p : frame->personalities) {
    const ElfSection* section = (*elf)->SectionAt(p.address);
    ASSERT_NE(section, nullptr);
    EXPECT_EQ(section->IsExecutable(), !p.indirect) << section->name;
  }
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// Random corruption inside .eh_frame: the parse succeeds or names the file, never crashes.
TEST(EhFrame, SurvivesRandomCorruption) {
  std::string original = ReadFile("/usr/bin/diff").value();
  auto elf = ElfFile::Open("/usr/bin/diff");
  ASSERT_TRUE(elf.ok());
  const ElfSection* frame = (*elf)->FindSection(".eh_frame");
  ASSERT_NE(frame, nullptr);
  std::string path = ::testing::TempDir() + "eh_frame_fuzz_" + std::to_string(getpid());
  uint64_t state = 7;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  for (int round = 0; round < 200; ++round) {
    std::string bytes = original;
    for (int flips = 0; flips < 6; ++flips) {
      bytes[frame->offset + next() % frame->size] = static_cast<char>(next());
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto fuzzed = ElfFile::Open(path);
    ASSERT_TRUE(fuzzed.ok());
    auto result = ReadEhFrame(**fuzzed);
    if (!result.ok()) {
      EXPECT_EQ(result.error().message().rfind(path, 0), 0u);
    }
  }
  std::filesystem::remove(path);
}

// Found by fuzz_elf: a .eh_frame section header whose bytes lie past the end of the file made
// the parser dereference an empty optional and read through a stale stack pointer.
TEST(EhFrame, FuzzRegressionSectionPastTheEndOfTheFileIsAnError) {
  std::string path =
      std::string(SYSFENCE_SOURCE_DIR) + "/fuzz/regressions/elf/eh_frame_section_past_file.elf";
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  ASSERT_TRUE(elf.ok()) << elf.error().message();
  Result<EhFrame> frame = ReadEhFrame(**elf);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().message(), path + ": .eh_frame lies past the end of the file");
}

}  // namespace
}  // namespace sysfence

// Pins down the ELF reader on this machine's own binaries (headers, needed libraries,
// versions, RELR, IRELATIVE) and its refusal of bad input: every malformed file gives an
// Error naming it, and random corruption never crashes it.
#include "elf/elf_file.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "base/file_util.h"

namespace sysfence {
namespace {

std::string TempDirectory() {
  return ::testing::TempDir() + "elf_file_test_" + std::to_string(getpid());
}

// Removes the files the tests wrote once they are done.
class TempDirectoryCleanup : public ::testing::Environment {
 public:
  void TearDown() override { std::filesystem::remove_all(TempDirectory()); }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new TempDirectoryCleanup);

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(TempDirectory());
  std::string path = TempDirectory() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string FileBytes(const std::string& path) { return ReadFile(path).value(); }

TEST(ElfFile, ReadsAPieProgramWithItsInterpreterAndNeededLibraries) {
  auto elf = ElfFile::Open("/usr/bin/diff");
  ASSERT_TRUE(elf.ok()) << elf.error().message();
  EXPECT_EQ((*elf)->type(), ET_DYN);
  EXPECT_TRUE((*elf)->IsExecutable());
  EXPECT_FALSE((*elf)->IsStatic());
  EXPECT_EQ((*elf)->interpreter(), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_NE(
      std::find((*elf)->dynamic().needed.begin(), (*elf)->dynamic().needed.end(), "libc.so.6"),
      (*elf)->dynamic().needed.end());
  EXPECT_EQ((*elf)->build_id().size(), 40u);
  // Calls to libc go through JUMP_SLOT relocations that name their symbol and its version.
  bool found_jump_slot = false;
  for (const ElfRelocation& r : (*elf)->relocations()) {
    if (r.type != R_X86_64_JUMP_SLOT) continue;
    const ElfSymbol& symbol = (*elf)->dynamic_symbols().at(r.symbol);
    EXPECT_FALSE(symbol.IsDefined());
    if (symbol.name == "open") {
      found_jump_slot = true;
      EXPECT_EQ(symbol.version, "GLIBC_2.2.5");
    }
  }
  EXPECT_TRUE(found_jump_slot);
}

TEST(ElfFile, ReadsLibcSymbolVersionsIfuncsAndRelrRelocations) {
  auto elf = ElfFile::Open("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_TRUE(elf.ok()) << elf.error().message();
  EXPECT_FALSE((*elf)->IsExecutable());
  EXPECT_EQ((*elf)->dynamic().soname, "libc.so.6");
  int ifuncs = 0, hidden_versions = 0;
  const ElfSymbol* getpid = nullptr;
  for (const ElfSymbol& s : (*elf)->dynamic_symbols()) {
    if (s.IsIfunc() && s.IsDefined()) ++ifuncs;
    if (s.version_hidden) ++hidden_versions;
    if (s.name == "getpid") getpid = &s;
  }
  EXPECT_GT(ifuncs, 40);
  EXPECT_GT(hidden_versions, 0);  // old compat versions such as memcpy@GLIBC_2.2.5
  ASSERT_NE(getpid, nullptr);
  EXPECT_TRUE(getpid->IsFunction());
  EXPECT_EQ(getpid->version, "GLIBC_2.2.5");
  int relative = 0, irelative = 0;
  for (const ElfRelocation& r : (*elf)->relocations()) {
    relative += r.type == R_X86_64_RELATIVE;
    irelative += r.type == R_X86_64_IRELATIVE;
  }
  EXPECT_GT(relative, 1000);  // nearly all of them come from the packed DT_RELR table
  EXPECT_GT(irelative, 20);
  // Every relocated word lies inside the file's own writable data.
  for (const ElfRelocation& r : (*elf)->relocations()) {
    const ElfSection* section = (*elf)->SectionAt(r.offset);
    ASSERT_NE(section, nullptr) << std::hex << r.offset;
    EXPECT_TRUE(section->IsWritable()) << section->name;
  }
}

TEST(ElfFile, ReadVirtualStaysInsideFileBackedSegments) {
  auto elf = ElfFile::Open("/usr/bin/diff");
  ASSERT_TRUE(elf.ok());
  EXPECT_TRUE((*elf)->ReadVirtual((*elf)->entry(), 16).has_value());
  EXPECT_FALSE((*elf)->ReadVirtual(~uint64_t{0} - 4, 16).has_value());
  const ElfSection* bss = (*elf)->FindSection(".bss");
  ASSERT_NE(bss, nullptr);
  EXPECT_FALSE((*elf)->ReadVirtual(bss->address + bss->size - 8, 8).has_value());
}

TEST(ElfFile, RejectsANonElfFileNamingIt) {
  std::string path = WriteTemp("text.txt", "hello, this is not an ELF file\n");
  auto elf = ElfFile::Open(path);
  ASSERT_FALSE(elf.ok());
  EXPECT_EQ(elf.error().message(), path + ": not an ELF file");
}

TEST(ElfFile, RejectsA32BitElf) {
  std::string bytes = FileBytes("/usr/bin/diff").substr(0, 4096);
  bytes[EI_CLASS] = ELFCLASS32;
  std::string path = WriteTemp("elf32", bytes);
  auto elf = ElfFile::Open(path);
  ASSERT_FALSE(elf.ok());
  EXPECT_NE(elf.error().message().find(path + ": not a 64-bit ELF"), std::string::npos);
}

TEST(ElfFile, RejectsAnotherMachine) {
  std::string bytes = FileBytes("/usr/bin/diff").substr(0, 4096);
  bytes[18] = static_cast<char>(EM_AARCH64);
  bytes[19] = 0;
  std::string path = WriteTemp("aarch64", bytes);
  auto elf = ElfFile::Open(path);
  ASSERT_FALSE(elf.ok());
  EXPECT_NE(elf.error().message().find("not an x86-64 ELF"), std::string::npos);
}

TEST(ElfFile, RejectsTruncatedFilesNamingThem) {
  std::string bytes = FileBytes("/usr/bin/diff");
  for (size_t length : {size_t{10}, size_t{60}, size_t{200}, bytes.size() / 2}) {
    std::string path = WriteTemp("truncated" + std::to_string(length), bytes.substr(0, length));
    auto elf = ElfFile::Open(path);
    ASSERT_FALSE(elf.ok()) << length;
    EXPECT_EQ(elf.error().message().rfind(path + ": ", 0), 0u) << elf.error().message();
  }
}

TEST(ElfFile, RejectsMissingFilesDirectoriesAndEmptyFiles) {
  auto missing = ElfFile::Open("/nonexistent/sysfence-file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "/nonexistent/sysfence-file: No such file or directory");
  auto directory = ElfFile::Open("/usr/bin");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message(), "/usr/bin: is a directory");
  auto empty = ElfFile::Open(WriteTemp("empty", ""));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("empty file"), std::string::npos);
}

// Random byte corruption in the headers, the dynamic section and the symbol tables: each
// variant must parse or fail cleanly (the sanitizer build turns any stray read into a failure).
TEST(ElfFile, SurvivesRandomCorruption) {
  std::string original = FileBytes("/usr/bin/diff");
  auto elf = ElfFile::Open("/usr/bin/diff");
  ASSERT_TRUE(elf.ok());
  std::vector<std::pair<uint64_t, uint64_t>> areas = {{0, 4096}};
  for (const ElfSection& s : (*elf)->sections()) {
    if (s.name == ".dynamic" || s.name == ".dynsym" || s.name == ".gnu.version_r" ||
        s.name == ".rela.dyn" || s.name == ".eh_frame") {
      areas.emplace_back(s.offset, s.size);
    }
  }
  uint64_t header_end = (*elf)->sections().size() * sizeof(Elf64_Shdr);
  areas.emplace_back(original.size() - header_end, header_end);
  std::mt19937_64 random(12345);
  std::string path = WriteTemp("fuzzed", "");
  for (int round = 0; round < 300; ++round) {
    std::string bytes = original;
    const auto& [start, size] = areas[random() % areas.size()];
    for (int flips = 0; flips < 8; ++flips) {
      bytes[start + random() % size] = static_cast<char>(random());
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto fuzzed = ElfFile::Open(path);
    if (!fuzzed.ok()) {
      EXPECT_EQ(fuzzed.error().message().rfind(path, 0), 0u);
    }
  }
}

}  // namespace
}  // namespace sysfence

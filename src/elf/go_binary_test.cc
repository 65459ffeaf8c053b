// Pins down Go binary detection on the Go test programs (tests/programs/go, built with
// Debian's Go): the version, the function table with and without symbols and section
// headers, in position-dependent and position-independent builds; C programs are not Go;
// a corrupt table is an Error naming the file.
#include "elf/go_binary.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "base/file_util.h"

namespace sysfence {
namespace {

std::string GoProgram(const std::string& name) {
  return std::string(SYSFENCE_BINARY_DIR) + "/tests/programs/go/" + name;
}

// A Go program and what ReadGoBinary found in it (whose names point into the file).
struct OpenedGo {
  std::unique_ptr<ElfFile> elf;
  GoBinary go;
};

OpenedGo ReadGo(const std::string& path) {
  OpenedGo opened;
  auto elf = ElfFile::Open(path);
  EXPECT_TRUE(elf.ok()) << path;
  if (!elf.ok()) return opened;
  Result<std::optional<GoBinary>> go = ReadGoBinary(**elf);
  EXPECT_TRUE(go.ok()) << go.error().message();
  EXPECT_TRUE(go.ok() && go->has_value()) << path << " is not recognised as Go";
  if (go.ok() && go->has_value()) opened.go = **go;
  opened.elf = std::move(*elf);
  return opened;
}

class GoBinaryVariants : public ::testing::TestWithParam<std::string> {};

TEST_P(GoBinaryVariants, FindsVersionAndFunctionTable) {
  std::string path = GoProgram(GetParam());
  OpenedGo opened = ReadGo(path);
  const GoBinary& go = opened.go;
  EXPECT_EQ(go.version.rfind("go1.", 0), 0u) << go.version;
  EXPECT_GT(go.table.functions.size(), 1000u);
  std::set<std::string_view> names;
  for (const GoFunction& f : go.table.functions) names.insert(f.name);
  for (const char* name : {"main.main", "main.mark", "syscall.Syscall", "syscall.RawSyscall6",
                           "runtime/internal/syscall.Syscall6", "runtime.futex", "runtime.clone",
                           "main.(*viaAssertion).MarkAsserted"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  // Every function lies in executable code, in order, without overlaps.
  const std::unique_ptr<ElfFile>& elf = opened.elf;
  ASSERT_NE(elf, nullptr);
  for (size_t i = 0; i < go.table.functions.size(); ++i) {
    const GoFunction& f = go.table.functions[i];
    const ElfSection* section = elf->SectionAt(f.entry);
    ASSERT_NE(section, nullptr) << f.name;
    EXPECT_TRUE(section->IsExecutable()) << f.name;
    EXPECT_LE(f.end, section->address + section->size) << f.name;
    if (i > 0) {
      EXPECT_LE(go.table.functions[i - 1].end, f.entry);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Builds, GoBinaryVariants,
                         ::testing::Values("gomarkers_pure", "gomarkers_pure_stripped",
                                           "gomarkers_cgo", "gomarkers_cgo_stripped",
                                           "gomarkers_cgo_pie"));

// In a program with symbols, Go's table and the symbol table agree on every entry (the
// symbol of an assembly function carries the suffix .abi0; the table writes type arguments
// as [...] and numbered local types with a middle dot).
TEST(GoBinary, TableAgreesWithTheSymbolTable) {
  OpenedGo opened = ReadGo(GoProgram("gomarkers_pure"));
  const GoBinary& go = opened.go;
  ASSERT_NE(opened.elf, nullptr);
  std::map<uint64_t, std::set<std::string_view>> symbols;
  for (const ElfSymbol& s : opened.elf->symbols()) {
    if (s.type == STT_FUNC) symbols[s.value].insert(s.name);
  }
  size_t checked = 0;
  for (const GoFunction& f : go.table.functions) {
    auto it = symbols.find(f.entry);
    ASSERT_NE(it, symbols.end()) << f.name;
    std::string name(f.name);
    if (name.find("[...]") != std::string::npos) continue;
    for (size_t dot; (dot = name.find("\u00b7")) != std::string::npos;) name.replace(dot, 2, ".");
    EXPECT_TRUE(it->second.count(name) || it->second.count(name + ".abi0")) << f.name;
    ++checked;
  }
  EXPECT_GT(checked, go.table.functions.size() * 9 / 10);
}

TEST(GoBinary, CProgramsAreNotGo) {
  for (const char* path : {"/usr/bin/diff", "/lib/x86_64-linux-gnu/libc.so.6"}) {
    auto elf = ElfFile::Open(path);
    ASSERT_TRUE(elf.ok());
    Result<std::optional<GoBinary>> go = ReadGoBinary(**elf);
    ASSERT_TRUE(go.ok()) << go.error().message();
    EXPECT_FALSE(go->has_value()) << path;
  }
}

class GoBinaryCopy : public ::testing::Test {
 protected:
  // A copy of `name` with `edit` applied to its bytes.
  template <typename Edit>
  std::string Copy(const std::string& name, Edit&& edit) {
    std::string bytes = ReadFile(GoProgram(name)).value();
    edit(bytes);
    std::string path = ::testing::TempDir() + "go_binary_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    paths_.push_back(path);
    return path;
  }
  ~GoBinaryCopy() override {
    for (const std::string& path : paths_) std::filesystem::remove(path);
  }
  std::vector<std::string> paths_;
};

// Without section headers (sstrip, or a packer's loader) the table and the build information
// are found by their headers in the data.
TEST_F(GoBinaryCopy, FindsTheTableWithoutSectionHeaders) {
  OpenedGo with_sections = ReadGo(GoProgram("gomarkers_cgo_stripped"));
  std::string path = Copy("gomarkers_cgo_stripped", [](std::string& bytes) {
    Elf64_Ehdr header;
    std::memcpy(&header, bytes.data(), sizeof(header));
    header.e_shoff = 0;
    header.e_shnum = 0;
    header.e_shstrndx = 0;
    std::memcpy(bytes.data(), &header, sizeof(header));
  });
  OpenedGo without = ReadGo(path);
  EXPECT_EQ(without.go.version, with_sections.go.version);
  const std::vector<GoFunction>& found = without.go.table.functions;
  ASSERT_EQ(found.size(), with_sections.go.table.functions.size());
  EXPECT_EQ(found.back().name, with_sections.go.table.functions.back().name);
  EXPECT_EQ(found.back().end, with_sections.go.table.functions.back().end);
}

TEST_F(GoBinaryCopy, CorruptTableIsAnErrorNamingTheFile) {
  auto elf = ElfFile::Open(GoProgram("gomarkers_pure"));
  ASSERT_TRUE(elf.ok());
  const ElfSection* table = (*elf)->FindSection(".gopclntab");
  ASSERT_NE(table, nullptr);
  uint64_t offset = table->offset;
  std::string path = Copy("gomarkers_pure", [&](std::string& bytes) {
    uint64_t huge = 1ull << 40;
    std::memcpy(bytes.data() + offset + 8, &huge, 8);  // nfunc
  });
  auto corrupt = ElfFile::Open(path);
  ASSERT_TRUE(corrupt.ok());
  Result<std::optional<GoBinary>> go = ReadGoBinary(**corrupt);
  ASSERT_FALSE(go.ok());
  EXPECT_EQ(go.error().message(),
            path + ": corrupt Go function table (.gopclntab): implausible function count " +
                std::to_string(1ull << 40));
}

}  // namespace
}  // namespace sysfence

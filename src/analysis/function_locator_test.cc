// Pins down the function locators of the library-knowledge rules: in stripped libc and ld.so
// each finds exactly the function glibc's debug files name, a locator that several functions
// match finds none, and the glibc release comes from the version banner.
#include "analysis/function_locator.h"

#include <gtest/gtest.h>

#include <map>

#include "analysis/library_knowledge.h"
#include "analysis/object_analyzer.h"
#include "elf/debug_file.h"

namespace sysfence {
namespace {

constexpr char kLibc[] = "/lib/x86_64-linux-gnu/libc.so.6";
constexpr char kLoader[] = "/lib64/ld-linux-x86-64.so.2";

struct Analysed {
  std::unique_ptr<ElfFile> elf;
  ObjectSummary summary;
};

Analysed Analyse(const std::string& path, bool debug_symbols) {
  Analysed a;
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  EXPECT_TRUE(elf.ok()) << path;
  if (!elf.ok()) return a;
  a.elf = std::move(*elf);
  if (debug_symbols) {
    std::shared_ptr<ElfFile> debug = OpenDebugFile(*a.elf, DebugFileSearch{});
    if (debug == nullptr) {
      a.elf.reset();
      return a;
    }
    a.elf->AdoptSymbols(debug->symbols(), debug);
  }
  Result<ObjectSummary> summary = AnalyzeObject(*a.elf);
  EXPECT_TRUE(summary.ok());
  if (summary.ok()) a.summary = std::move(*summary);
  return a;
}

// Every rule function of `soname` that has a locator, with the symbol that names it.
std::vector<std::pair<std::string, RuleFunction>> LocatedFunctions(std::string_view soname) {
  // The located-only rules of the loader name its syscall wrappers.
  static const std::map<std::string_view, std::string> kWrappers = {{"setitimer", "setitimer"},
                                                                    {"uname", "uname"}};
  std::vector<std::pair<std::string, RuleFunction>> found;
  auto add = [&](const RuleFunction& f) {
    if (f.locator.empty()) return;
    std::string name(f.name);
    if (name.empty()) name = kWrappers.at(f.locator.issues);
    found.emplace_back(name, f);
  };
  for (const GuardRule& rule : GuardRules()) {
    if (rule.soname == soname) add(rule.function);
  }
  for (const SiteRule& rule : SiteRules()) {
    if (rule.soname != soname) continue;
    add(rule.function);
    for (const RuleFunction& caller : rule.transparent_callers) add(caller);
  }
  if (soname == "libc.so.6") {
    for (const RuleFunction& f : SetxidBroadcastFunctions()) add(f);
  }
  return found;
}

TEST(FunctionLocator, FindsInStrippedGlibcWhatItsDebugFilesName) {
  for (auto [path, soname] : {std::pair{kLibc, "libc.so.6"}, {kLoader, "ld-linux-x86-64.so.2"}}) {
    Analysed named = Analyse(path, true);
    if (!named.elf) GTEST_SKIP() << "libc6-dbg is not installed";
    Analysed stripped = Analyse(path, false);
    ASSERT_TRUE(stripped.elf);
    auto functions = LocatedFunctions(soname);
    EXPECT_FALSE(functions.empty()) << soname;
    for (const auto& [name, function] : functions) {
      uint32_t expected = FindFunctionByName(*named.elf, named.summary, name);
      ASSERT_NE(expected, kNoIndex) << name;
      uint32_t located = LocateFunction(*stripped.elf, stripped.summary, function.locator);
      ASSERT_NE(located, kNoIndex) << name << " not located in " << path;
      EXPECT_EQ(stripped.summary.functions[located].start, named.summary.functions[expected].start)
          << name;
    }
  }
}

TEST(FunctionLocator, FindsNothingWhenSeveralOrNoFunctionsMatch) {
  Analysed libc = Analyse(kLibc, false);
  ASSERT_TRUE(libc.elf);
  // Many functions call getpid.
  EXPECT_EQ(LocateFunction(*libc.elf, libc.summary, {.calls = {"getpid"}}), kNoIndex);
  EXPECT_EQ(LocateFunction(*libc.elf, libc.summary, {.called_by = {"no_such_export"}}), kNoIndex);
  EXPECT_EQ(LocateFunction(*libc.elf, libc.summary, {}), kNoIndex);
  // The only function with a uname site is libc's uname; not for a release yet to come.
  EXPECT_NE(LocateFunction(*libc.elf, libc.summary, {.issues = "uname"}), kNoIndex);
  EXPECT_EQ(LocateFunction(*libc.elf, libc.summary, {.issues = "uname", .min_glibc_minor = 999}),
            kNoIndex);
}

TEST(FunctionLocator, GlibcReleaseComesFromTheVersionBanner) {
  Result<std::unique_ptr<ElfFile>> libc = ElfFile::Open(kLibc);
  Result<std::unique_ptr<ElfFile>> loader = ElfFile::Open(kLoader);
  ASSERT_TRUE(libc.ok() && loader.ok());
  std::optional<int> minor = GlibcMinorVersion(**libc);
  ASSERT_TRUE(minor.has_value());
  EXPECT_GE(*minor, 34);
  EXPECT_EQ(GlibcMinorVersion(**loader), minor);
  Result<std::unique_ptr<ElfFile>> other =
      ElfFile::Open(std::string(SYSFENCE_BINARY_DIR) + "/tests/programs/static/libsftest.so");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(GlibcMinorVersion(**other).has_value());
}

}  // namespace
}  // namespace sysfence

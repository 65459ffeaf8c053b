// Pins down library resolution: ssh's closure in breadth-first order with the interpreter,
// --library-path taking precedence over the cache, a sysroot without a cache falling back to
// the default directories, and a missing library becoming a warning that names both sides.
#include "elf/library_resolver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "elf/scratch_directory.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

LoadedObject Program(const std::string& path) {
  auto elf = ElfFile::Open(path);
  EXPECT_TRUE(elf.ok());
  return {std::shared_ptr<ElfFile>(std::move(*elf)), path, "", "program"};
}

std::vector<std::string> Names(const LoadList& list) {
  std::vector<std::string> names;
  for (const LoadedObject& o : list.objects) names.push_back(fs::path(o.path).filename());
  return names;
}

TEST(LibraryResolver, SshClosureIsBreadthFirstAndEndsWithTheInterpreter) {
  LibraryResolver resolver({});
  LoadList list = resolver.LoadClosure(Program("/usr/bin/ssh"));
  EXPECT_TRUE(list.warnings.empty());
  std::vector<std::string> names = Names(list);
  ASSERT_GE(names.size(), 10u);
  EXPECT_EQ(names[0], "ssh");
  // ssh's own DT_NEEDED entries come first, in their order, before anything they need.
  auto program = ElfFile::Open("/usr/bin/ssh");
  for (size_t i = 0; i < (*program)->dynamic().needed.size(); ++i) {
    EXPECT_EQ(names[i + 1], (*program)->dynamic().needed[i]);
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "libkrb5.so.3"), names.end());
  EXPECT_EQ(std::count(names.begin(), names.end(), "ld-linux-x86-64.so.2"), 1);
  for (const LoadedObject& o : list.objects) {
    if (o.path.find("ld-linux") != std::string::npos) {
      EXPECT_EQ(o.reason, "interpreter");
    }
  }
}

TEST(LibraryResolver, LibraryPathComesBeforeTheCache) {
  ScratchDirectory dir;
  fs::copy_file("/lib/x86_64-linux-gnu/libz.so.1", dir.path() + "/libz.so.1");
  ResolverOptions options;
  options.library_paths = {dir.path()};
  LibraryResolver resolver(options);
  LoadList list = resolver.LoadClosure(Program("/usr/bin/ssh"));
  bool found = false;
  for (const LoadedObject& o : list.objects) {
    if (fs::path(o.path).filename() == "libz.so.1") {
      EXPECT_EQ(o.path, dir.path() + "/libz.so.1");
      EXPECT_EQ(o.needed_by, "/usr/bin/ssh");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(LibraryResolver, SysrootWithoutCacheUsesDefaultDirectories) {
  ScratchDirectory root;
  fs::create_directories(root.path() + "/lib/x86_64-linux-gnu");
  fs::create_directories(root.path() + "/lib64");
  fs::copy_file("/lib/x86_64-linux-gnu/libc.so.6", root.path() + "/lib/x86_64-linux-gnu/libc.so.6");
  fs::copy_file("/lib64/ld-linux-x86-64.so.2", root.path() + "/lib64/ld-linux-x86-64.so.2");
  ResolverOptions options;
  options.sysroot = root.path();
  LibraryResolver resolver(options);
  LoadList list = resolver.LoadClosure(Program("/usr/bin/diff"));
  ASSERT_EQ(list.objects.size(), 3u) << (list.warnings.empty() ? "" : list.warnings[0]);
  EXPECT_EQ(list.objects[1].path, root.path() + "/lib/x86_64-linux-gnu/libc.so.6");
  // libc.so.6 needs the loader by its soname: it is loaded once, as the interpreter.
  EXPECT_EQ(list.objects[2].path, root.path() + "/lib64/ld-linux-x86-64.so.2");
  EXPECT_TRUE(list.warnings.empty()) << list.warnings[0];
}

TEST(LibraryResolver, MissingLibraryIsAWarningNamingLibraryAndRequester) {
  ScratchDirectory root;
  ResolverOptions options;
  options.sysroot = root.path();
  LibraryResolver resolver(options);
  LoadList list = resolver.LoadClosure(Program("/usr/bin/diff"));
  ASSERT_EQ(list.objects.size(), 1u);
  EXPECT_NE(std::find(list.warnings.begin(), list.warnings.end(),
                      "library libc.so.6 (needed by /usr/bin/diff) not found"),
            list.warnings.end());
}

TEST(LibraryResolver, AddObjectLoadsADlopenedLibraryWithItsDependencies) {
  LibraryResolver resolver({});
  LoadList list = resolver.LoadClosure(Program("/usr/bin/diff"));
  size_t before = list.objects.size();
  std::optional<size_t> index = resolver.AddObject(list, "libz.so.1", "dlopen", 0);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(*index, before);
  EXPECT_EQ(list.objects[*index].reason, "dlopen");
  EXPECT_EQ(resolver.AddObject(list, "libc.so.6", "dlopen", 0), 1u);  // already loaded
  EXPECT_FALSE(resolver.AddObject(list, "libnot-there.so.7", "dlopen", 0).has_value());
  EXPECT_EQ(list.warnings.back(), "libnot-there.so.7 (dlopen) not found");
}

}  // namespace
}  // namespace sysfence

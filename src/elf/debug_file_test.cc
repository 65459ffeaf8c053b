// Pins down where separate debug files are found: a --debug-dir laid out like /usr/lib/debug
// before the system's, a debuginfod client's cache after it, a build id that must match, and
// the cache directory the debuginfod client itself would pick from the environment.
#include "elf/debug_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "elf/scratch_directory.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

constexpr char kLibc[] = "/lib/x86_64-linux-gnu/libc.so.6";

std::unique_ptr<ElfFile> Open(const std::string& path) {
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  EXPECT_TRUE(elf.ok()) << path;
  return elf.ok() ? std::move(*elf) : nullptr;
}

// Sets an environment variable for the life of the object, then restores it.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnvironment() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DebugFile, CandidatesAreDebugDirectoriesThenTheSysrootThenTheDebuginfodCache) {
  std::unique_ptr<ElfFile> libc = Open(kLibc);
  ASSERT_TRUE(libc);
  const std::string& id = libc->build_id();
  ASSERT_GE(id.size(), 4u);
  std::string tail = "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  DebugFileSearch search{{"/a", "/b"}, "/root", "/cache"};
  EXPECT_EQ(DebugFileCandidates(*libc, search),
            (std::vector<std::string>{"/a" + tail, "/b" + tail, "/root/usr/lib/debug" + tail,
                                      "/cache/" + id + "/debuginfo"}));
  EXPECT_EQ(DebugFileCandidates(*libc, DebugFileSearch{}),
            (std::vector<std::string>{"/usr/lib/debug" + tail}));
}

TEST(DebugFile, FoundInADebugDirectoryOrADebuginfodCacheWhenTheBuildIdMatches) {
  std::unique_ptr<ElfFile> libc = Open(kLibc);
  ASSERT_TRUE(libc);
  std::shared_ptr<ElfFile> system = OpenDebugFile(*libc, DebugFileSearch{});
  if (system == nullptr) GTEST_SKIP() << "libc6-dbg is not installed";
  std::string system_path = DebugFileCandidates(*libc, DebugFileSearch{}).front();
  const std::string& id = libc->build_id();

  // A sysroot without debug files (a container) finds nothing of its own.
  ScratchDirectory container;
  EXPECT_EQ(OpenDebugFile(*libc, DebugFileSearch{{}, container.path(), ""}), nullptr);

  // The host's debug file, in a directory laid out like /usr/lib/debug.
  ScratchDirectory debug_dir;
  fs::path in_dir =
      debug_dir.path() + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  fs::create_directories(in_dir.parent_path());
  fs::create_symlink(system_path, in_dir);
  std::shared_ptr<ElfFile> found =
      OpenDebugFile(*libc, DebugFileSearch{{debug_dir.path()}, container.path(), ""});
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->build_id(), id);
  EXPECT_EQ(found->symbols().size(), system->symbols().size());

  // The same file where a debuginfod client caches it.
  ScratchDirectory cache;
  fs::create_directories(cache.path() + "/" + id);
  fs::create_symlink(system_path, cache.path() + "/" + id + "/debuginfo");
  EXPECT_NE(OpenDebugFile(*libc, DebugFileSearch{{}, container.path(), cache.path()}), nullptr);

  // Another object's debug file at libc's path is refused: its build id differs.
  std::unique_ptr<ElfFile> loader = Open("/lib64/ld-linux-x86-64.so.2");
  ASSERT_TRUE(loader);
  std::string loader_debug = DebugFileCandidates(*loader, DebugFileSearch{}).front();
  ASSERT_TRUE(fs::exists(loader_debug));
  ScratchDirectory wrong;
  fs::path wrong_path =
      wrong.path() + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  fs::create_directories(wrong_path.parent_path());
  fs::create_symlink(loader_debug, wrong_path);
  EXPECT_EQ(OpenDebugFile(*libc, DebugFileSearch{{wrong.path()}, container.path(), ""}), nullptr);
}

TEST(DebugFile, DebuginfodCacheDirectoryFollowsTheClientsEnvironment) {
  ScratchDirectory home;
  ScopedEnvironment home_variable("HOME", home.path().c_str());
  {
    ScopedEnvironment cache("DEBUGINFOD_CACHE_PATH", "/explicit");
    ScopedEnvironment xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(DebuginfodCacheDirectory(), "/explicit");
  }
  ScopedEnvironment no_cache("DEBUGINFOD_CACHE_PATH", nullptr);
  {
    ScopedEnvironment xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(DebuginfodCacheDirectory(), "/xdg/debuginfod_client");
  }
  ScopedEnvironment no_xdg("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(DebuginfodCacheDirectory(), home.path() + "/.cache/debuginfod_client");
  // The client's old location wins while it exists.
  fs::create_directories(home.path() + "/.debuginfod_client_cache");
  EXPECT_EQ(DebuginfodCacheDirectory(), home.path() + "/.debuginfod_client_cache");
}

}  // namespace
}  // namespace sysfence

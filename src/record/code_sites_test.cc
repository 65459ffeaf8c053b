// Locating syscall sites: the /proc/PID/maps parser, sites in this very process's own
// mappings (libc's code, a file mapped twice, anonymous code), and sites a backend located in
// the kernel, named by its path or by the mappings.
#include "record/code_sites.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

TEST(ParseCodeMappings, KeepsExecutableMappingsWithTheirFiles) {
  std::vector<CodeMapping> mappings = ParseCodeMappings(
      "7f0000028000-7f000019d000 r-xp 00028000 fd:01 1312 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "55550000-55551000 r--p 00000000 fd:01 77 /usr/bin/diff\n"
      "55551000-55560000 r-xp 00001000 fd:01 77 /usr/bin/diff\n"
      "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]\n"
      "7e0000000000-7e0000001000 rwxp 00000000 00:00 0 \n"
      "7e0000002000-7e0000003000 r-xp 00000000 08:10 99 /tmp/with space (deleted)\n"
      "garbage line\n"
      "1000-zz r-xp 0 0:0 0 /bad\n");
  ASSERT_EQ(mappings.size(), 5u);
  EXPECT_EQ(mappings[0].start, 0x55551000u);  // in address order
  EXPECT_EQ(mappings[0].file_offset, 0x1000u);
  EXPECT_EQ(mappings[0].path, "/usr/bin/diff");
  EXPECT_EQ(mappings[0].file, (FileIdentity{makedev(0xfd, 1), 77}));
  EXPECT_EQ(mappings[1].path, "");
  EXPECT_EQ(mappings[2].path, "/tmp/with space (deleted)");
  EXPECT_EQ(mappings[2].file, (FileIdentity{makedev(8, 0x10), 99}));
  EXPECT_EQ(mappings[3].end, 0x7f000019d000u);
  EXPECT_EQ(mappings[4].path, "[vdso]");
}

// The file and offset of this process's code at `address`, from its mappings.
std::pair<std::string, uint64_t> Locate(uint64_t address) {
  std::ifstream in("/proc/self/maps");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const CodeMapping& m : ParseCodeMappings(text)) {
    if (address >= m.start && address < m.end) return {m.path, address - m.start + m.file_offset};
  }
  return {};
}

TEST(CodeSites, LocatesAReturnAddressInItsFile) {
  auto address = reinterpret_cast<uint64_t>(dlsym(RTLD_DEFAULT, "getpid"));
  ASSERT_NE(address, 0u);
  auto [path, offset] = Locate(address);
  ASSERT_FALSE(path.empty());
  CodeSites sites;
  sites.Record(getpid(), address + 2, SYS_getpid);
  sites.Record(getpid(), address + 2, SYS_getppid);  // the same site, another call
  sites.Record(getpid(), address + 2, SYS_getpid);   // seen again: nothing new
  Profile profile;
  sites.AddToProfile(&profile);
  ASSERT_EQ(profile.sites.size(), 1u);
  ASSERT_EQ(profile.sites.count(path), 1u);
  ASSERT_EQ(profile.sites[path].size(), 1u);
  EXPECT_EQ(profile.sites[path].begin()->first, offset);
  EXPECT_EQ(profile.sites[path].begin()->second.Names(),
            (std::vector<std::string>{"getpid", "getppid"}));
  EXPECT_EQ(sites.unlocated(), 0u);
}

TEST(CodeSites, ReadsTheMappingsAgainForCodeMappedSinceAndSkipsAnonymousCode) {
  CodeSites sites;
  auto known = reinterpret_cast<uint64_t>(dlsym(RTLD_DEFAULT, "getpid"));
  sites.Record(getpid(), known + 2, SYS_getpid);  // mappings read now
  // Executable memory mapped after that: anonymous, so it has no site.
  void* code = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(code, MAP_FAILED);
  sites.Record(getpid(), reinterpret_cast<uint64_t>(code) + 16, SYS_read);
  EXPECT_EQ(sites.unlocated(), 1u);
  // A file mapped executable since: found on a second reading.
  std::string path = ::testing::TempDir() + "/code_sites_file";
  {
    std::ofstream out(path);
    out << std::string(8192, '\x90');
  }
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  void* file_code = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 4096);
  close(fd);
  ASSERT_NE(file_code, MAP_FAILED);
  sites.Record(getpid(), reinterpret_cast<uint64_t>(file_code) + 0x12, SYS_write);
  Profile profile;
  sites.AddToProfile(&profile);
  std::string canonical = std::filesystem::canonical(path).string();
  ASSERT_EQ(profile.sites.count(canonical), 1u) << "sites of " << profile.sites.size() << " files";
  EXPECT_EQ(profile.sites[canonical].begin()->first, 4096u + 0x10);
  EXPECT_EQ(sites.unlocated(), 1u);
  munmap(file_code, 4096);
  munmap(code, 4096);
  unlink(path.c_str());
}

TEST(CodeSites, NamesAKernelLocatedSiteFromTheMappings) {
  auto address = reinterpret_cast<uint64_t>(dlsym(RTLD_DEFAULT, "getpid"));
  std::ifstream in("/proc/self/maps");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const CodeMapping* libc = nullptr;
  std::vector<CodeMapping> mappings = ParseCodeMappings(text);
  for (const CodeMapping& m : mappings) {
    if (address >= m.start && address < m.end) libc = &m;
  }
  ASSERT_NE(libc, nullptr);
  CodeSites sites;
  sites.RecordInFile(getpid(), libc->file, 0x1234, SYS_read);
  sites.RecordInFile(getpid(), FileIdentity{0, 424242}, 0x10, SYS_read);  // no such file
  Profile profile;
  sites.AddToProfile(&profile);
  ASSERT_EQ(profile.sites.count(libc->path), 1u);
  EXPECT_TRUE(profile.sites[libc->path].at(0x1234).Contains("read"));
  EXPECT_EQ(sites.unlocated(), 1u);
}

// The eBPF backend sends the path of a site's file: the process may be gone by then (no
// mappings to read). A site in no file is the vDSO's when the backend says so, else unlocated.
TEST(CodeSites, NamesAKernelLocatedSiteByTheBackendsPathAndTheVdso) {
  constexpr pid_t kGone = 0x7ffffff0;  // above any pid_max: no /proc entry
  CodeSites sites;
  FileIdentity file{makedev(8, 1), 4242};
  sites.RecordInFile(kGone, file, 0x40, SYS_read, "/usr/lib/libexample.so");
  sites.RecordInFile(kGone, file, 0x80, SYS_write);  // named already: no path needed
  sites.RecordInFile(kGone, FileIdentity{}, 0x9c0, SYS_clock_gettime, kVdsoPath);
  sites.RecordInFile(kGone, FileIdentity{}, 0x10, SYS_read);                   // anonymous code
  sites.RecordInFile(kGone, FileIdentity{makedev(8, 1), 77}, 0x10, SYS_read);  // no name
  Profile profile;
  sites.AddToProfile(&profile);
  ASSERT_EQ(profile.sites.size(), 2u);
  const auto& library = profile.sites.at("/usr/lib/libexample.so");
  EXPECT_TRUE(library.at(0x40).Contains("read"));
  EXPECT_TRUE(library.at(0x80).Contains("write"));
  EXPECT_TRUE(profile.sites.at("[vdso]").at(0x9c0).Contains("clock_gettime"));
  EXPECT_EQ(sites.unlocated(), 2u);
}

}  // namespace
}  // namespace sysfence

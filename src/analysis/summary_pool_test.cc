// Pins down the summary pool: a sharing pool opens and summarises each file once for any
// number of analyses on any number of threads, and their profiles are those of analyses
// without sharing; a private pool keeps nothing.
#include "analysis/summary_pool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "analysis/static_analysis.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

class SummaryPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-pool-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    cache_ = pattern;
  }
  void TearDown() override { fs::remove_all(cache_); }
  std::string cache_;
};

TEST_F(SummaryPoolTest, SharedPoolSummarisesEachLibraryOnceAcrossThreads) {
  SummaryPool pool({.share = true, .use_cache = false, .cache_directory = cache_});
  Result<std::shared_ptr<ElfFile>> first = pool.Open("/lib/x86_64-linux-gnu/libz.so.1");
  Result<std::shared_ptr<ElfFile>> again = pool.Open("/lib/x86_64-linux-gnu/libz.so.1");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->get(), again->get()) << "one parse per file";
  LoadedObject object{*first, "/lib/x86_64-linux-gnu/libz.so.1", "", "DT_NEEDED"};
  std::vector<PooledObject> got(4);
  std::vector<std::thread> threads;
  for (PooledObject& slot : got) threads.emplace_back([&] { slot = pool.Get(object); });
  for (std::thread& t : threads) t.join();
  for (const PooledObject& o : got) EXPECT_EQ(o.summary.get(), got[0].summary.get());
  EXPECT_EQ(pool.summarized(), 1u);
  EXPECT_FALSE(pool.Open("/nonexistent.so").ok());
}

TEST_F(SummaryPoolTest, PathsNamingOneFileShareItsEntry) {
  // A directory symlink and a ".." step: three names, one file, one parse and one summary.
  fs::create_directory_symlink("/usr/lib/x86_64-linux-gnu", fs::path(cache_) / "lib");
  std::vector<std::string> names = {"/usr/lib/x86_64-linux-gnu/libz.so.1",
                                    cache_ + "/lib/libz.so.1",
                                    "/usr/lib/x86_64-linux-gnu/../x86_64-linux-gnu/libz.so.1"};
  SummaryPool pool({.share = true, .use_cache = false, .cache_directory = cache_});
  std::vector<PooledObject> got;
  for (const std::string& name : names) {
    Result<std::shared_ptr<ElfFile>> elf = pool.Open(name);
    ASSERT_TRUE(elf.ok()) << name;
    got.push_back(pool.Get({*elf, name, "", "DT_NEEDED"}));
  }
  for (const PooledObject& o : got) {
    EXPECT_EQ(o.elf.get(), got[0].elf.get());
    EXPECT_EQ(o.summary.get(), got[0].summary.get());
  }
  EXPECT_GT(got[0].seconds, 0);
  EXPECT_EQ(got[1].seconds, 0) << "summarised once";
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.summarized(), 1u);
  // Another file is another entry.
  ASSERT_TRUE(pool.Open("/usr/lib/x86_64-linux-gnu/libc.so.6").ok());
  EXPECT_EQ(pool.size(), 2u);
}

TEST_F(SummaryPoolTest, AnalysesSharingAPoolGiveTheProfilesOfAnalysesAlone) {
  SummaryPool pool({.share = true, .use_cache = false, .cache_directory = cache_});
  StaticOptions shared;
  shared.pool = &pool;
  shared.threads = 1;
  StaticOptions alone;
  alone.use_cache = false;
  for (std::string program : {"/usr/bin/true", "/usr/bin/cat", "/usr/bin/true"}) {
    Result<std::unique_ptr<StaticAnalysis>> a = StaticAnalysis::Run(program, shared);
    Result<std::unique_ptr<StaticAnalysis>> b = StaticAnalysis::Run(program, alone);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ((*a)->profile().syscalls, (*b)->profile().syscalls) << program;
    EXPECT_EQ((*a)->profile().images, (*b)->profile().images) << program;
  }
  size_t libraries = pool.size();
  EXPECT_GE(libraries, 2u);  // libc and the loader at least, never the programs
  EXPECT_EQ(pool.summarized(), libraries);

  SummaryPool own({.share = false, .use_cache = false, .cache_directory = cache_});
  StaticOptions unshared = shared;
  unshared.pool = &own;
  ASSERT_TRUE(StaticAnalysis::Run("/usr/bin/true", unshared).ok());
  EXPECT_EQ(own.size(), 0u);
}

}  // namespace
}  // namespace sysfence

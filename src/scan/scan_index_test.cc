// Pins down the index formats: JSON Lines read back as written, CSV quoting, profile names.
#include "scan/scan_index.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(ScanIndex, JsonLinesRoundTrip) {
  ScanEntry a;
  a.path = "/usr/bin/a";
  a.aliases = {"/usr/bin/b"};
  a.kind = ProgramKind::kElf;
  a.package = "pkg";
  a.profile = ProfileFileFor(a.path);
  a.syscalls = *SyscallSet::FromNames({"read", "ptrace"});
  a.unresolved = 1;
  a.seconds = 0.25;
  a.explain["ptrace"] = "ptrace (101) reached by this path:\n  ...\n";
  ScanEntry b;
  b.path = "/usr/bin/odd,\"name\"";
  b.kind = ProgramKind::kOther;
  b.error = "neither an ELF program nor a script ('#!')";
  Result<std::vector<ScanEntry>> back = ParseIndexJsonLines(IndexJsonLines({a, b}), "index.jsonl");
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].path, a.path);
  EXPECT_EQ((*back)[0].aliases, a.aliases);
  EXPECT_EQ((*back)[0].syscalls, a.syscalls);
  EXPECT_EQ((*back)[0].explain, a.explain);
  EXPECT_EQ((*back)[0].profile, "profiles/usr/bin/a.json");
  EXPECT_EQ((*back)[1].kind, ProgramKind::kOther);
  EXPECT_FALSE((*back)[1].analysed());
  std::string csv = IndexCsv({a, b});
  EXPECT_NE(csv.find("/usr/bin/a,elf,pkg,2,1,0.250,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"/usr/bin/odd,\"\"name\"\"\",other,,,,"), std::string::npos) << csv;
}

TEST(ScanIndex, BadLinesNameTheFileAndLine) {
  Result<std::vector<ScanEntry>> bad =
      ParseIndexJsonLines("{\"path\":\"/a\",\"kind\":\"elf\"}\nnope\n", "x.jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "x.jsonl:2: not a JSON object");
}

}  // namespace
}  // namespace sysfence

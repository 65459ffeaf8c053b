// Pins down the workload list format of study/*.txt.
#include "study/workload.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(Workload, SplitsWordsWithQuotes) {
  auto words = SplitWords(R"(ssh -o "ProxyCommand=ssh -W %h:%p x" 'a b' c)");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words,
            (std::vector<std::string>{"ssh", "-o", "ProxyCommand=ssh -W %h:%p x", "a b", "c"}));
  EXPECT_FALSE(SplitWords("echo 'open").ok());
}

TEST(Workload, ParsesNamesCommandsStdinAndPlaceholders) {
  auto runs = ParseWorkloads(
      "# comment\n\nunified | diff -u {in}/a {in}/b\nstdin | diff - {in}/b < {in}/a\n", "runs.txt",
      {{"in", "/data"}});
  ASSERT_TRUE(runs.ok()) << runs.error().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].name, "unified");
  EXPECT_EQ((*runs)[0].argv, (std::vector<std::string>{"diff", "-u", "/data/a", "/data/b"}));
  EXPECT_EQ((*runs)[1].stdin_path, "/data/a");
  EXPECT_EQ((*runs)[1].argv.size(), 3u);
}

TEST(Workload, DoubledBraceIsALiteralBrace) {
  Result<std::string> text = Substitute("curl -w %{{http_code} {port}", {{"port", "80"}});
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, "curl -w %{http_code} 80");
}

TEST(Workload, ErrorsNameTheFileAndLine) {
  auto runs = ParseWorkloads("ok | true\nbroken line\n", "runs.txt", {});
  ASSERT_FALSE(runs.ok());
  EXPECT_NE(runs.error().message().find("runs.txt:2"), std::string::npos);
  auto unknown = ParseWorkloads("x | cat {nope}\n", "runs.txt", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("{nope}"), std::string::npos);
  EXPECT_FALSE(ParseWorkloads("# nothing\n", "runs.txt", {}).ok());
}

}  // namespace
}  // namespace sysfence

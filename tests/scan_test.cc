// `sysfence scan` on this machine's programs (a small sample, so the test takes seconds): the
// sets equal those of `sysfence static` one program at a time; files that are not programs
// are listed with their error while the scan goes on; four shards merged give the index of
// one scan; the overview renders in headless Chromium with its chart drawn and the paths to
// dangerous syscalls; bad arguments exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "report/browser.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Programs of several shapes: small, with many libraries (ssh), a script (zcat), a link
// (awk, to mawk through /etc/alternatives), one that reaches a dangerous call (unshare).
const std::vector<std::string> kSample = {"/usr/bin/diff",    "/usr/bin/ls",   "/usr/bin/dash",
                                          "/usr/bin/ssh",     "/usr/bin/zcat", "/usr/bin/awk",
                                          "/usr/bin/unshare", "/usr/bin/true"};

// One cache for the whole file: the first scan fills it, the others read it.
std::string CacheDir() { return std::string(SYSFENCE_BINARY_DIR) + "/tests/scan-test-cache"; }

std::vector<json> ReadIndex(const std::string& dir) {
  std::vector<json> lines;
  std::string text = ReadWholeFile(dir + "/index.jsonl");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    lines.push_back(json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

CommandResult Scan(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {SysfenceBinary(), "scan", "-q", "--cache-dir", CacheDir()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return RunCommand(argv, 300);
}

TEST(ScanCli, SetsEqualThoseOfStaticOneProgramAtATime) {
  ScratchDir dir;
  std::vector<std::string> args = {"-o", dir.File("out")};
  args.insert(args.end(), kSample.begin(), kSample.end());
  CommandResult r = Scan(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> index = ReadIndex(dir.File("out"));
  ASSERT_EQ(index.size(), kSample.size());
  std::set<std::string> named;
  for (const json& entry : index) {
    std::string path = entry["path"];
    named.insert(path);
    for (const json& alias : entry["aliases"]) named.insert(alias.get<std::string>());
    ASSERT_EQ(entry["error"], "") << path;
    json scanned =
        json::parse(ReadWholeFile(dir.File("out/" + entry["profile"].get<std::string>())));
    CommandResult alone = RunCommand(
        {SysfenceBinary(), "static", "--cache-dir", CacheDir(), "-o", dir.File("alone.json"), path},
        300);
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    json expected = json::parse(ReadWholeFile(dir.File("alone.json")));
    EXPECT_EQ(scanned["syscalls"], expected["syscalls"]) << path;
    EXPECT_EQ(scanned["images"], expected["images"]) << path;
    EXPECT_EQ(scanned.value("args", json::object()), expected.value("args", json::object()))
        << path;
    EXPECT_EQ(scanned.value("unresolved", json::array()).size(),
              expected.value("unresolved", json::array()).size())
        << path;
    EXPECT_EQ(entry["syscall_count"], expected["syscalls"].size()) << path;
  }
  for (const std::string& program : kSample) EXPECT_EQ(named.count(program), 1u) << program;
  // dpkg knows these.
  for (const json& entry : index) {
    if (entry["path"] == "/usr/bin/diff") {
      EXPECT_EQ(entry["package"], "diffutils");
    } else if (entry["path"] == "/usr/bin/ls") {
      EXPECT_EQ(entry["package"], "coreutils");
    }
  }
}

// --no-args: the same sets, without argument values.
TEST(ScanCli, NoArgsLeavesArgumentValuesOut) {
  ScratchDir dir;
  CommandResult r = Scan({"--no-args", "-o", dir.File("out"), "/usr/bin/diff"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> index = ReadIndex(dir.File("out"));
  ASSERT_EQ(index.size(), 1u);
  json scanned =
      json::parse(ReadWholeFile(dir.File("out/" + index[0]["profile"].get<std::string>())));
  EXPECT_FALSE(scanned.contains("args")) << scanned.dump();
  EXPECT_FALSE(scanned["syscalls"].empty());
}

class ScanDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.File("tree/sub"));
    fs::copy_file("/usr/bin/true", dir_.File("tree/true"));
    fs::copy_file("/usr/bin/cat", dir_.File("tree/sub/cat"));
    fs::copy_file("/usr/bin/env", dir_.File("tree/env"));
    fs::copy_file("/usr/bin/head", dir_.File("tree/head"));
    fs::copy_file("/usr/bin/zcat", dir_.File("tree/zcat"));
    fs::create_symlink("true", dir_.File("tree/also-true"));
    WriteExecutable("tree/notes.txt", "just text\n");
    std::string elf = ReadWholeFile("/usr/bin/true");
    WriteExecutable("tree/truncated", elf.substr(0, 200));
    WriteExecutable("tree/orphan.sh", "#!/nonexistent/interpreter\n");
    fs::copy_file("/lib/x86_64-linux-gnu/libz.so.1", dir_.File("tree/libz.so.1"));
    fs::permissions(dir_.File("tree/libz.so.1"), fs::perms(0755));
  }
  void WriteExecutable(const std::string& name, const std::string& text) {
    WriteWholeFile(dir_.File(name), text);
    fs::permissions(dir_.File(name), fs::perms(0755));
  }
  ScratchDir dir_;
};

TEST_F(ScanDirectory, ListsWhatIsNotAProgramWithItsErrorAndGoesOn) {
  CommandResult r = Scan({"-o", dir_.File("out"), dir_.File("tree")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, json> by_name;
  for (const json& entry : ReadIndex(dir_.File("out"))) {
    by_name[fs::path(entry["path"].get<std::string>()).filename()] = entry;
  }
  ASSERT_EQ(by_name.size(), 9u) << "also-true is an alias of true";
  for (std::string ok : {"true", "cat", "env", "head", "zcat"}) {
    EXPECT_EQ(by_name[ok]["error"], "") << ok;
    EXPECT_GT(by_name[ok]["syscall_count"].get<int>(), 10) << ok;
  }
  EXPECT_EQ(by_name["zcat"]["kind"], "script");
  EXPECT_EQ(by_name["true"]["aliases"], json::array({dir_.File("tree/also-true")}));
  EXPECT_EQ(by_name["notes.txt"]["error"], "neither an ELF program nor a script ('#!')");
  EXPECT_NE(by_name["truncated"]["error"].get<std::string>().find("truncated"), std::string::npos)
      << by_name["truncated"];
  EXPECT_NE(by_name["orphan.sh"]["error"].get<std::string>().find("/nonexistent/interpreter"),
            std::string::npos)
      << by_name["orphan.sh"];
  EXPECT_NE(by_name["libz.so.1"]["error"].get<std::string>().find("shared library"),
            std::string::npos);
  std::string csv = ReadWholeFile(dir_.File("out/index.csv"));
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "path,kind,package,syscalls,unresolved,seconds,error");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10);
}

// The index without timings, by path.
std::map<std::string, json> Comparable(const std::string& dir) {
  std::map<std::string, json> out;
  for (json entry : ReadIndex(dir)) {
    entry.erase("seconds");
    out[entry["path"]] = entry;
  }
  return out;
}

TEST_F(ScanDirectory, FourShardsMergedGiveTheIndexOfOneScan) {
  ASSERT_EQ(Scan({"-o", dir_.File("whole"), dir_.File("tree")}).exit_code, 0);
  std::vector<std::string> merge = {"--merge", "-o", dir_.File("merged")};
  size_t listed = 0;
  for (int k = 0; k < 4; ++k) {
    std::string shard = fmt::format("{}/4", k);
    std::string out = dir_.File("shard-" + std::to_string(k));
    CommandResult list =
        RunCommand({SysfenceBinary(), "scan", "--list", "--shard", shard, dir_.File("tree")});
    listed += static_cast<size_t>(std::count(list.out.begin(), list.out.end(), '\n'));
    CommandResult r = Scan({"--shard", shard, "-o", out, dir_.File("tree")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    merge.push_back(out);
  }
  EXPECT_EQ(listed, 9u) << "every program in exactly one shard";
  CommandResult merged = Scan(merge);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(Comparable(dir_.File("merged")), Comparable(dir_.File("whole")));
  for (const auto& [path, entry] : Comparable(dir_.File("whole"))) {
    std::string profile = entry["profile"];
    if (profile.empty()) continue;
    EXPECT_EQ(ReadWholeFile(dir_.File("merged/" + profile)),
              ReadWholeFile(dir_.File("whole/" + profile)))
        << profile;
  }
  EXPECT_TRUE(FileExists(dir_.File("merged/overview.html")));
  // A program in two of the directories is not a set of shards.
  CommandResult twice =
      Scan({"--merge", "-o", dir_.File("bad"), dir_.File("whole"), dir_.File("shard-0")});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("not shards of one scan"), std::string::npos) << twice.err;
}

// Appended to a copy of the overview: what the browser laid out.
constexpr const char* kCheckScript = R"(<script>
const svg = document.querySelector('#set-sizes svg');
const box = svg.getBoundingClientRect();
const bars = [...svg.querySelectorAll('.bar')].filter(b => b.getBBox().height > 0).length;
const rows = document.querySelectorAll('#dangerous tr').length;
const unshare = document.querySelector('#reach-unshare pre');
document.body.insertAdjacentHTML('beforeend', '<pre id="check">' +
  [Math.round(box.width), Math.round(box.height), bars, rows,
   unshare ? unshare.textContent.includes('reached by this path') : false].join(' ') + ' </pre>');
</script>)";

TEST(ScanOverview, RendersInHeadlessChromiumWithTheChartAndDangerousPaths) {
  Result<std::string> chromium = FindChromium();
  ASSERT_TRUE(chromium.ok()) << chromium.error().message();
  ScratchDir dir;
  std::vector<std::string> args = {"-o", dir.File("out")};
  args.insert(args.end(), kSample.begin(), kSample.end());
  ASSERT_EQ(Scan(args).exit_code, 0);
  std::string page = ReadWholeFile(dir.File("out/overview.html"));
  page.insert(page.rfind("</body>"), kCheckScript);
  WriteWholeFile(dir.File("out/checked.html"), page);
  Result<std::string> dom = DumpRenderedDom(*chromium, dir.File("out/checked.html"));
  ASSERT_TRUE(dom.ok()) << dom.error().message();
  size_t start = dom->rfind("<pre id=\"check\">");
  ASSERT_NE(start, std::string::npos) << "the page did not render";
  int width = 0, height = 0, bars = 0, rows = 0;
  char explained[8] = {};
  ASSERT_EQ(sscanf(dom->c_str() + start + 16, "%d %d %d %d %7s", &width, &height, &bars, &rows,
                   explained),
            5);
  EXPECT_GT(width, 300);
  EXPECT_GT(height, 200);
  EXPECT_GT(bars, 0) << "the set-size chart is empty";
  EXPECT_GT(rows, 15) << "the dangerous syscalls table";
  EXPECT_STREQ(explained, "true") << "unshare's path to unshare()";
}

TEST(ScanCli, BadArgumentsExitTwoNamingThem) {
  ScratchDir dir;
  CommandResult r = Scan({"--shard", "4/4", "-o", dir.File("o"), "/usr/bin/true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--shard '4/4'"), std::string::npos) << r.err;
  r = Scan({"-o", dir.File("o"), "/no/such/dir"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/no/such/dir"), std::string::npos) << r.err;
  r = Scan({"--merge", "-o", dir.File("o"), dir.File("missing")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing/index.jsonl"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(dir.File("o/index.jsonl")));
}

}  // namespace
}  // namespace sysfence::testing

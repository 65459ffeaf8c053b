// `sysfence scan --image` on real images built here from this machine's Debian files, one
// layer per step (src/scan/test_image_writer.h): a base layer with dash, cat, ls, their
// libraries and the loader behind Debian's absolute /lib64 link; a layer with a shell-script
// entrypoint that execs cat and an absolute link to cat; a layer that deletes ls with a
// whiteout. The scan finds exactly the programs of the final file system (checked against
// umoci's own unpacking), the same from a docker save tarball; the exported entrypoint
// profile runs the entrypoint in crun with --action kill, and kills it once a call it needs
// is taken away. Broken images are refused with nothing written outside the scratch root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "crun_container.h"
#include "scan/test_image_writer.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kLibDir = "/usr/lib/x86_64-linux-gnu/";

std::string CacheDir() { return std::string(SYSFENCE_BINARY_DIR) + "/tests/scan-test-cache"; }

// The libraries `program` needs, by ldd.
std::vector<std::string> LibrariesOf(const std::string& program) {
  std::vector<std::string> libraries;
  std::string out = RunShell("ldd " + program + " | grep -o '/[^ ]*'").out;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    libraries.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  return libraries;
}

std::vector<TestLayer> ImageLayers() {
  TestLayer base;
  base.Directory("/usr/bin")
      .Directory("/usr/lib/x86_64-linux-gnu")
      .Directory("/lib64")
      .Directory("/etc")
      .Symlink("/bin", "usr/bin")
      .Symlink("/lib", "usr/lib")
      .Copy("/usr/bin/dash", "/usr/bin/dash")
      .Symlink("/usr/bin/sh", "dash")
      .Copy("/usr/bin/cat", "/usr/bin/cat")
      .Copy("/usr/bin/ls", "/usr/bin/ls")
      .File("/etc/hostname", "box\n");
  std::set<std::string> libraries;
  for (std::string program : {"/usr/bin/dash", "/usr/bin/cat", "/usr/bin/ls"}) {
    for (const std::string& library : LibrariesOf(program)) {
      libraries.insert(fs::path(library).filename());
    }
  }
  for (const std::string& library : libraries) {
    // With Debian's modes: the loader and libc are executable (the kernel runs the loader).
    base.Copy(kLibDir + library, fs::canonical("/lib/x86_64-linux-gnu/" + library));
  }
  // Debian's loader link is absolute: followed by the host, it names the host's loader.
  base.Symlink("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  TestLayer entry;
  entry.File("/entry.sh", "#!/bin/sh\n# print the container's name\nexec cat /etc/hostname\n", 0755)
      .Symlink("/usr/bin/mycat", "/usr/bin/cat");
  TestLayer remove;
  remove.Whiteout("/usr/bin/ls");
  return {base, entry, remove};
}

TestImageConfig Config() {
  TestImageConfig config;
  config.entrypoint = {"/entry.sh"};
  return config;
}

std::map<std::string, json> Index(const std::string& dir) {
  std::map<std::string, json> out;
  std::string text = ReadWholeFile(dir + "/index.jsonl");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    json entry = json::parse(text.substr(start, end - start));
    entry.erase("seconds");
    out[entry["path"]] = entry;
    start = end + 1;
  }
  return out;
}

CommandResult ScanImage(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {SysfenceBinary(), "scan", "-q", "--cache-dir", CacheDir()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return RunCommand(argv, 300);
}

// Every regular executable file and link to one under `root`, as the image names them.
std::set<std::string> ExecutablesUnder(const std::string& root) {
  std::set<std::string> out;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && !e.is_symlink() &&
        (e.status().permissions() & fs::perms::owner_exec) != fs::perms::none) {
      out.insert(e.path().string().substr(root.size()));
    }
  }
  return out;
}

class ScanImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::vector<std::string>> written =
        WriteOciLayout(dir_.File("oci"), ImageLayers(), Config());
    ASSERT_TRUE(written.ok()) << written.error().message();
  }
  ScratchDir dir_;
};

TEST_F(ScanImageTest, FindsExactlyTheProgramsOfTheFinalFileSystem) {
  CommandResult r = ScanImage(
      {"--image", dir_.File("oci"), "--unpack-to", dir_.File("root"), "-o", dir_.File("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, json> index = Index(dir_.File("out"));
  std::set<std::string> listed, analysed;
  for (const auto& [path, entry] : index) {
    listed.insert(path);
    if (entry["error"] == "") {
      analysed.insert(path);
    } else {
      EXPECT_NE(entry["error"].get<std::string>().find("shared library"), std::string::npos)
          << path;
    }
  }
  EXPECT_EQ(analysed, (std::set<std::string>{"/entry.sh", "/usr/bin/cat", "/usr/bin/dash"}));
  EXPECT_EQ(index["/usr/bin/cat"]["aliases"], json::array({"/usr/bin/mycat"}));
  EXPECT_EQ(index["/entry.sh"]["kind"], "script");
  EXPECT_EQ(ExecutablesUnder(dir_.File("root")), listed);
  // The programs were analysed against the image's loader and libraries (read through the
  // absolute /lib64 link inside the root), named as the image names them.
  json cat = json::parse(ReadWholeFile(dir_.File("out/profiles/usr/bin/cat.json")));
  EXPECT_EQ(cat["target"], "/usr/bin/cat");
  EXPECT_TRUE(cat["images"].contains("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
      << cat["images"];
  EXPECT_TRUE(cat["images"].contains("/usr/lib/x86_64-linux-gnu/libc.so.6")) << cat["images"];

  // An independent unpacker agrees on the final file system.
  if (RunShell("command -v umoci >/dev/null").exit_code != 0) {
    GTEST_SKIP() << "umoci is not installed (scripts/install-deps.sh)";
  }
  CommandResult umoci =
      RunCommand({"umoci", "unpack", "--image", dir_.File("oci") + ":latest", dir_.File("bundle")});
  ASSERT_EQ(umoci.exit_code, 0) << umoci.err;
  EXPECT_EQ(ExecutablesUnder(dir_.File("bundle/rootfs")), listed);
}

TEST_F(ScanImageTest, ADockerSaveTarballGivesTheSameScan) {
  ASSERT_TRUE(WriteDockerSave(dir_.File("image.tar"), ImageLayers(), Config()).ok());
  CommandResult oci = ScanImage({"--image", dir_.File("oci"), "-o", dir_.File("from-oci")});
  ASSERT_EQ(oci.exit_code, 0) << oci.err;
  CommandResult tar = ScanImage({"--image", dir_.File("image.tar"), "-o", dir_.File("from-tar")});
  ASSERT_EQ(tar.exit_code, 0) << tar.err;
  EXPECT_EQ(Index(dir_.File("from-tar")), Index(dir_.File("from-oci")));
  EXPECT_EQ(ReadWholeFile(dir_.File("from-tar/image-seccomp.oci.json")),
            ReadWholeFile(dir_.File("from-oci/image-seccomp.oci.json")));
}

TEST_F(ScanImageTest, EntrypointProfileRunsTheEntrypointInCrunUnderAKillFilter) {
  if (std::optional<std::string> why = CrunUnavailable()) GTEST_SKIP() << *why;
  CommandResult r = ScanImage({"--image", dir_.File("oci"), "--unpack-to", dir_.File("root"),
                               "--action", "kill", "-o", dir_.File("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json profile = json::parse(ReadWholeFile(dir_.File("out/image-profile.json")));
  EXPECT_EQ(profile["runs"], 3) << "entry.sh, dash and cat";
  json scan = json::parse(ReadWholeFile(dir_.File("out/scan.json")));
  EXPECT_EQ(scan["image"]["programs"], json::array({"/entry.sh", "/usr/bin/cat", "/usr/bin/dash"}));
  json oci = json::parse(ReadWholeFile(dir_.File("out/image-seccomp.oci.json")));
  ASSERT_EQ(oci["defaultAction"], "SCMP_ACT_KILL_PROCESS");
  CrunContainer container(dir_.File("bundle"), dir_.File("root"), {"/entry.sh"});
  CommandResult ran = container.Run(oci);
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.out, "box\n");

  // The same filter without a call the workload makes kills it.
  json names = json::array();
  for (const json& name : oci["syscalls"][0]["names"]) {
    if (name != "sendfile" && name != "copy_file_range" && name != "write") names.push_back(name);
  }
  oci["syscalls"][0]["names"] = names;
  ran = container.Run(oci);
  EXPECT_EQ(ran.exit_code, 128 + SIGSYS) << ran.err;
  EXPECT_EQ(ran.out, "");

  // The SPO resource carries the same calls.
  std::string spo = ReadWholeFile(dir_.File("out/image-seccomp.spo.yaml"));
  EXPECT_NE(spo.find("apiVersion: \"security-profiles-operator.x-k8s.io/v1beta1\"\n"
                     "kind: \"SeccompProfile\"\n"),
            std::string::npos)
      << spo;
  EXPECT_NE(spo.find("defaultAction: \"SCMP_ACT_KILL_PROCESS\""), std::string::npos);
  EXPECT_NE(spo.find("        - \"execve\"\n"), std::string::npos);
}

TEST_F(ScanImageTest, ProfileForAllIsTheUnionOfEveryProgramBesideDocker) {
  CommandResult r =
      ScanImage({"--image", dir_.File("oci"), "--profile-for", "all", "-o", dir_.File("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> expected;
  for (const auto& [path, entry] : Index(dir_.File("out"))) {
    for (const json& name : entry["syscalls"]) expected.insert(name.get<std::string>());
  }
  json profile = json::parse(ReadWholeFile(dir_.File("out/image-profile.json")));
  EXPECT_EQ(profile["syscalls"].get<std::set<std::string>>(), expected);
  std::string overview = ReadWholeFile(dir_.File("out/overview.html"));
  EXPECT_NE(overview.find("allowed by Docker, never needed by this image"), std::string::npos);
}

class BrokenImage : public ::testing::Test {
 protected:
  // Runs the scan with TMPDIR inside the test directory, so that the temporary scratch root
  // can be seen to be removed; `outside` must stay empty.
  CommandResult Scan(const std::string& image) {
    fs::create_directories(dir_.File("tmp"));
    fs::create_directories(dir_.File("outside"));
    return RunShell("TMPDIR=" + dir_.File("tmp") + " " + SysfenceBinary() +
                    " scan -q --cache-dir " + CacheDir() + " --image " + image + " -o " +
                    dir_.File("out") + " 2>&1");
  }
  void ExpectNothingLeft() {
    EXPECT_TRUE(fs::is_empty(dir_.File("outside")));
    EXPECT_TRUE(fs::is_empty(dir_.File("tmp"))) << "the scratch root is removed";
    EXPECT_FALSE(fs::exists(dir_.File("out/index.jsonl")));
  }
  ScratchDir dir_;
};

TEST_F(BrokenImage, TruncatedLayerIsRefused) {
  Result<std::vector<std::string>> blobs =
      WriteOciLayout(dir_.File("oci"), ImageLayers(), Config());
  ASSERT_TRUE(blobs.ok());
  std::string layer = dir_.File("oci/" + (*blobs)[0]);
  fs::resize_file(layer, fs::file_size(layer) - 100);
  CommandResult r = Scan(dir_.File("oci"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("layer 1: its blob"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("truncated or damaged"), std::string::npos) << r.out;
  ExpectNothingLeft();
}

TEST_F(BrokenImage, MissingBlobIsRefused) {
  Result<std::vector<std::string>> blobs =
      WriteOciLayout(dir_.File("oci"), ImageLayers(), Config());
  ASSERT_TRUE(blobs.ok());
  fs::remove(dir_.File("oci/" + (*blobs)[2]));
  CommandResult r = Scan(dir_.File("oci"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("layer 3: its blob " + (*blobs)[2] + " is missing"), std::string::npos)
      << r.out;
  ExpectNothingLeft();
}

TEST_F(BrokenImage, PathLeavingTheRootWithDotDotIsRefused) {
  TestLayer evil;
  evil.RawFile("usr/../../outside/planted", "x");
  ASSERT_TRUE(WriteOciLayout(dir_.File("oci"), {evil}, Config()).ok());
  CommandResult r = Scan(dir_.File("oci"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("leaves the image root ('..')"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line";
  ExpectNothingLeft();
}

TEST_F(BrokenImage, AbsoluteLinkPointingOutIsRefused) {
  TestLayer link;
  link.Symlink("/escape", dir_.File("outside"));
  TestLayer through;
  through.File("/escape/planted", "x");
  ASSERT_TRUE(WriteDockerSave(dir_.File("image.tar"), {link, through}, Config()).ok());
  CommandResult r = Scan(dir_.File("image.tar"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("goes through the absolute link 'escape'"), std::string::npos) << r.out;
  ExpectNothingLeft();
}

}  // namespace
}  // namespace sysfence::testing

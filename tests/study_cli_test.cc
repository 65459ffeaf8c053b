// `sysfence study` on study directories (docs/STUDY.md): the checked-in diff and SSH studies
// give the sets and phases the former C++ study runner gave (tests/data/study_baseline.json);
// a study of tar written in a temporary directory runs like any checked-in one; a service
// study starts, traces and stops its server; mistakes in a study directory are clear errors
// that leave no report behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/loopback.h"
#include "base/subprocess.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) { return json::parse(ReadWholeFile(path)); }

std::string PackageVersion(const std::string& package) {
  CommandResult r = RunCommand({"dpkg-query", "-W", "-f=${Version}", package});
  return r.exit_code == 0 ? r.out : "";
}

const json* FindProgram(const json& data, const std::string& name) {
  for (const json& program : data["programs"]) {
    if (program["name"] == name) return &program;
  }
  return nullptr;
}

class StudyCli : public ::testing::Test {
 protected:
  ScratchDir scratch_;
};

// The rewrite of diff and SSH as study directories changed no set and no phase. The baseline
// was recorded with the package versions it names; with others the traced sets may differ.
TEST_F(StudyCli, DiffAndSshGiveTheSetsAndPhasesOfTheFormerRunner) {
  json baseline = ReadJson(SourceDir() + "/tests/data/study_baseline.json");
  for (const auto& [package, version] : baseline["packages"].items()) {
    if (PackageVersion(package) != version.get<std::string>()) {
      GTEST_SKIP() << "the baseline was recorded with " << package << " " << version
                   << "; this machine has " << PackageVersion(package);
    }
  }
  if (geteuid() != 0) GTEST_SKIP() << "the SSH study needs root";
  for (const auto& [study, programs] : baseline["studies"].items()) {
    std::string out = scratch_.File(study);
    CommandResult r = RunCommand({SysfenceBinary(), "study", study, "-o", out}, 600);
    ASSERT_EQ(r.exit_code, 0) << study << ":\n" << r.out << r.err;
    json data = ReadJson(out + "/data.json");
    ASSERT_EQ(data["programs"].size(), programs.size()) << study;
    for (const json& expected : programs) {
      std::string name = expected["name"];
      const json* got = FindProgram(data, name);
      ASSERT_NE(got, nullptr) << study << ": " << name;
      EXPECT_EQ((*got)["runs"], expected["runs"]) << name;
      EXPECT_EQ((*got)["dynamic"], expected["dynamic"]) << name;
      ASSERT_EQ((*got)["phases"].size(), expected["phases"].size()) << name;
      for (size_t i = 0; i < expected["phases"].size(); ++i) {
        EXPECT_EQ((*got)["phases"][i]["name"], expected["phases"][i]["name"]) << name;
        EXPECT_EQ((*got)["phases"][i]["syscalls"], expected["phases"][i]["syscalls"])
            << name << ", phase " << expected["phases"][i]["name"];
      }
    }
    // The static sets are `sysfence static`'s, and nothing traced is missing from them.
    EXPECT_TRUE(data["soundness_failures"].empty()) << data["soundness_failures"].dump();
    for (const json& program : data["programs"]) {
      std::string binary = program["binary"];
      if (binary.find(" + ") != std::string::npos) continue;  // a combined row
      std::string profile = scratch_.File("static.json");
      ASSERT_EQ(RunCommand({SysfenceBinary(), "static", "-o", profile, binary}, 300).exit_code, 0);
      EXPECT_EQ(program["static"], ReadJson(profile)["syscalls"]) << binary;
      // Every static-only call is classified, with evidence; the classes count them all.
      ASSERT_TRUE(program.contains("static_only")) << binary;
      const json& classes = program["static_only"];
      std::set<std::string> classified;
      for (const json& call : classes["calls"]) {
        classified.insert(call["syscall"].get<std::string>());
        EXPECT_FALSE(call["evidence"].get<std::string>().empty()) << call.dump();
      }
      std::set<std::string> only_static;
      for (const json& name : program["only_static"]) only_static.insert(name.get<std::string>());
      EXPECT_EQ(classified, only_static) << binary;
      int counted = 0;
      for (const auto& [key, n] : classes["counts"].items()) counted += n.get<int>();
      EXPECT_EQ(counted, static_cast<int>(only_static.size())) << binary;
    }
    // The poster's own words sit beside the classes, for diff and the SSH client.
    const json* judged = FindProgram(data, study == "diff" ? "diff" : "ssh client");
    ASSERT_NE(judged, nullptr);
    EXPECT_FALSE((*judged)["poster_judged"].get<std::string>().empty()) << study;
    EXPECT_NE(ReadWholeFile(out + "/index.html").find("The publication judged these calls"),
              std::string::npos);
    for (const char* file : {"index.html", "report.md", "figure1.svg"}) {
      EXPECT_TRUE(FileExists(out + "/" + file)) << study << ": " << file;
    }
  }
}

// `sysfence study --all`: every checked-in study runs, sound, each with its report, and the
// overview's numbers are those of the studies' own data.
TEST_F(StudyCli, AllStudiesWriteAnOverviewOfTheirOwnNumbers) {
  if (geteuid() != 0) GTEST_SKIP() << "the SSH and nginx studies need root";
  std::string out = scratch_.File("all");
  std::string work = scratch_.File("all-work");
  CommandResult r =
      RunCommand({SysfenceBinary(), "study", "--all", "-o", out, "--work-dir", work}, 1800);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Every server and helper the studies started has ended.
  EXPECT_EQ(RunCommand({"pgrep", "-a", "-f", work}).out, "") << "left running";
  EXPECT_TRUE(FileExists(work + "/nginx/nginx.conf")) << "one work directory per study";
  json overview = ReadJson(out + "/overview.json");
  std::set<std::string> names;
  for (const json& study : overview["studies"]) names.insert(study["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"curl", "diff", "nginx", "python3", "redis", "ssh"}));
  std::string index = ReadWholeFile(out + "/index.html");
  for (const json& study : overview["studies"]) {
    std::string name = study["name"];
    EXPECT_NE(index.find("<a href=\"" + name + "/index.html\">"), std::string::npos) << name;
    ASSERT_TRUE(FileExists(out + "/" + name + "/index.html")) << name;
    json data = ReadJson(out + "/" + name + "/data.json");
    EXPECT_TRUE(data["soundness_failures"].empty()) << name << data["soundness_failures"].dump();
    ASSERT_EQ(data["programs"].size(), study["programs"].size()) << name;
    for (size_t i = 0; i < data["programs"].size(); ++i) {
      const json& mine = data["programs"][i];
      const json& shown = study["programs"][i];
      EXPECT_EQ(shown["dynamic_count"], mine["dynamic_count"]) << name;
      EXPECT_EQ(shown["static_count"], mine["static_count"]) << name;
      EXPECT_TRUE(mine["only_dynamic"].empty()) << name << ": " << mine["only_dynamic"].dump();
      ASSERT_EQ(shown["phases"].size(), mine["phases"].size());
      for (size_t k = 0; k < mine["phases"].size(); ++k) {
        EXPECT_EQ(shown["phases"][k]["count"], mine["phases"][k]["count"]);
      }
    }
  }
  // The servers: start-up and serving, serving the smaller.
  for (const char* server : {"nginx", "redis"}) {
    json data = ReadJson(out + "/" + server + "/data.json");
    const json& phases = data["programs"][0]["phases"];
    ASSERT_EQ(phases.size(), 2u) << server;
    EXPECT_EQ(phases[1]["name"], "serving");
    EXPECT_LT(phases[1]["count"].get<int>(), data["programs"][0]["dynamic_count"].get<int>());
  }
  for (const char* file : {"overview-figure1.svg", "overview-figure2.svg", "summary.txt"}) {
    EXPECT_TRUE(FileExists(out + "/" + file)) << file;
  }
}

// A new study is a directory of text files: here tar, written from nothing.
TEST_F(StudyCli, ATarStudyWrittenInATemporaryDirectoryRuns) {
  std::string dir = scratch_.File("tar");
  std::filesystem::create_directories(dir);
  WriteWholeFile(dir + "/study.txt",
                 "# tar: archives made, listed and extracted\n"
                 "title GNU tar, created and extracted\n"
                 "packages tar gzip\n"
                 "inputs inputs.sh\n"
                 "program tar tar\n"
                 "runs tar runs.txt\n");
  WriteWholeFile(dir + "/inputs.sh",
                 "set -eu\nmkdir -p \"$1/tree/sub\"\ncd \"$1\"\n"
                 "echo one > tree/a.txt\necho two > tree/sub/b.txt\nln -s a.txt tree/link\n");
  WriteWholeFile(dir + "/runs.txt",
                 "create         | tar -cf {work}/t.tar -C {in} tree\n"
                 "create gzipped | tar -czf {work}/t.tgz -C {in} tree\n"
                 "list           | tar -tvf {work}/t.tar\n"
                 "extract        | tar -xf {work}/t.tar -C {work}\n"
                 "missing        | tar -xf {work}/none.tar\n");
  std::string out = scratch_.File("report");
  CommandResult r = RunCommand({SysfenceBinary(), "study", dir, "-o", out}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("sysfence study tar: 5 runs traced"), std::string::npos) << r.out;
  json data = ReadJson(out + "/data.json");
  EXPECT_EQ(data["study"], "tar");
  EXPECT_EQ(data["title"], "GNU tar, created and extracted");
  ASSERT_EQ(data["programs"].size(), 1u);
  const json& tar = data["programs"][0];
  EXPECT_EQ(tar["runs"], 5);
  EXPECT_GT(tar["dynamic_count"].get<int>(), 20);
  EXPECT_GE(tar["static_count"].get<int>(), tar["dynamic_count"].get<int>());
  EXPECT_TRUE(tar["only_dynamic"].empty()) << tar["only_dynamic"].dump();
  // The archive is made and read: tar's own calls, the gzip child's are not tar's.
  for (const char* call : {"openat", "write", "symlinkat", "mkdirat"}) {
    EXPECT_NE(std::find(tar["dynamic"].begin(), tar["dynamic"].end(), call), tar["dynamic"].end())
        << call;
  }
  EXPECT_EQ(data["runs"][4]["exit_status"], 2) << "the missing archive fails";
  EXPECT_TRUE(FileExists(out + "/index.html"));
}

// A service traced from start to stop: a Python HTTP server (its program is the interpreter),
// an untraced helper before it, clients that fetch from it, and phases of the service.
TEST_F(StudyCli, AServiceIsStartedTracedAndStopped) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  std::string dir = scratch_.File("http");
  std::filesystem::create_directories(dir);
  WriteWholeFile(dir + "/study.txt",
                 "title Python's HTTP server\n"
                 "ports port\n"
                 "inputs inputs.sh\n"
                 "program server /usr/bin/python3\n"
                 "program client /usr/bin/curl\n"
                 "runs client runs.txt must-succeed\n"
                 "phases server phases.txt\n"
                 "helper /bin/sh -c 'touch {work}/helper-ran; exec sleep 600'\n"
                 "ready file {work}/helper-ran\n"
                 "service server /usr/bin/python3 -m http.server {port} --bind 127.0.0.1 "
                 "--directory {in}\n"
                 "ready tcp {port}\n"
                 "stop signal INT\n");
  WriteWholeFile(dir + "/inputs.sh", "mkdir -p \"$1\"\necho hello > \"$1/hello.txt\"\n");
  WriteWholeFile(dir + "/phases.txt", "first startup\nserving=syscall:accept4\n");
  WriteWholeFile(dir + "/runs.txt",
                 "fetch  | curl -s -o {work}/got.txt http://127.0.0.1:{port}/hello.txt\n"
                 "listing | curl -s -o /dev/null http://127.0.0.1:{port}/\n");
  std::string out = scratch_.File("report");
  std::string work = scratch_.File("work");
  CommandResult r =
      RunCommand({SysfenceBinary(), "study", dir, "-o", out, "--work-dir", work}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json data = ReadJson(out + "/data.json");
  const json* server = FindProgram(data, "server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ((*server)["runs"], 1);
  ASSERT_EQ((*server)["phases"].size(), 2u) << (*server)["phases"].dump();
  json serving = (*server)["phases"][1]["syscalls"];
  EXPECT_NE(std::find(serving.begin(), serving.end(), "accept4"), serving.end());
  json startup = (*server)["phases"][0]["syscalls"];
  EXPECT_NE(std::find(startup.begin(), startup.end(), "bind"), startup.end());
  EXPECT_EQ(std::find(serving.begin(), serving.end(), "bind"), serving.end());
  // Nothing of the study is left running: no process names its scratch directory.
  CommandResult left = RunCommand({"pgrep", "-a", "-f", work});
  EXPECT_EQ(left.out, "") << "left running";
}

// Waits until a loopback port accepts, or the process ends, for up to 30 s.
bool WaitUntilAccepting(int port, Subprocess& process) {
  for (int i = 0; i < 600 && !process.HasExited(); ++i) {
    if (AcceptsOnLoopback(port)) return true;
    usleep(50000);
  }
  return false;
}

std::set<std::string> PhaseCalls(const json& profile, const std::string& phase) {
  for (const json& p : profile["phases"]) {
    if (p["name"] == phase) return p["syscalls"].get<std::set<std::string>>();
  }
  return {};
}

// The redis study's own traced profile, enforced phase by phase with the kill action: redis
// serves, snapshots with a forked child and answers; once serving, asking it to listen on
// another port makes it call bind, which only start-up needs: with EPERM it reports that it
// could not bind, with kill it dies of SIGSYS; without --phased the same profile lets it bind.
TEST_F(StudyCli, RedisServesUnderItsPhasedProfileAndCannotBindOnceServing) {
  if (RunShell("command -v redis-server redis-cli").exit_code != 0) GTEST_SKIP() << "no redis";
  std::string report = scratch_.File("redis");
  CommandResult study = RunCommand({SysfenceBinary(), "study", "redis", "-o", report}, 600);
  ASSERT_EQ(study.exit_code, 0) << study.out << study.err;
  std::string profile = report + "/service-redis-server.json";
  json traced = ReadJson(profile);
  std::set<std::string> serving = PhaseCalls(traced, "serving");
  std::set<std::string> startup = PhaseCalls(traced, "startup");
  for (const char* call : {"bind", "listen"}) {
    EXPECT_TRUE(startup.contains(call)) << call;
    EXPECT_FALSE(serving.contains(call)) << call;
  }

  struct Case {
    std::vector<std::string> options;
    int exit_code;  // of `sysfence run` once the port is changed
    bool moved;     // whether redis listens on the new port
  };
  for (const Case& c : std::vector<Case>{{{"--phased", "--action", "kill"}, 128 + SIGSYS, false},
                                         {{"--phased", "--action", "errno"}, -1, false},
                                         {{"--action", "kill"}, -1, true}}) {
    Result<std::vector<int>> ports = FreeLoopbackPorts(2);
    ASSERT_TRUE(ports.ok());
    std::string port = std::to_string((*ports)[0]);
    std::string dir =
        scratch_.File("redis-run-" + std::to_string(c.exit_code + 1) + (c.moved ? "-moved" : ""));
    std::filesystem::create_directories(dir);
    WriteWholeFile(dir + "/redis.conf", "bind 127.0.0.1\nport " + port + "\ndaemonize no\ndir " +
                                            dir + "\nsave \"\"\nappendonly no\nlogfile " + dir +
                                            "/redis.log\n");
    SubprocessOptions run;
    run.argv = {SysfenceBinary(), "run", "--profile", profile};
    run.argv.insert(run.argv.end(), c.options.begin(), c.options.end());
    run.argv.insert(run.argv.end(), {"--", "redis-server", dir + "/redis.conf"});
    run.stderr_path = dir + "/run.err";
    Result<Subprocess> server = Subprocess::Start(run);
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE(WaitUntilAccepting((*ports)[0], *server)) << ReadWholeFile(dir + "/run.err");
    auto cli = [&](const std::string& command) {
      return RunShell("redis-cli -p " + port + " " + command).out;
    };
    EXPECT_EQ(cli("SET key value"), "OK\n");
    EXPECT_EQ(cli("GET key"), "value\n");
    EXPECT_EQ(cli("BGSAVE"), "Background saving started\n");
    for (int i = 0;
         i < 100 && cli("INFO persistence").find("rdb_bgsave_in_progress:0") == std::string::npos;
         ++i) {
      usleep(50000);
    }
    EXPECT_NE(cli("INFO persistence").find("rdb_last_bgsave_status:ok"), std::string::npos);
    std::string moved_port = std::to_string((*ports)[1]);
    std::string answer = cli("CONFIG SET port " + moved_port);
    if (c.exit_code >= 0) {
      Result<int> status = server->Wait(30);
      ASSERT_TRUE(status.ok());
      EXPECT_EQ(*status, c.exit_code) << "killed by SIGSYS for its bind";
      continue;
    }
    if (c.moved) {
      EXPECT_EQ(answer, "OK\n");
      EXPECT_TRUE(AcceptsOnLoopback((*ports)[1]));
    } else {
      EXPECT_NE(answer.find("Unable to listen"), std::string::npos) << answer;
      EXPECT_NE(ReadWholeFile(dir + "/redis.log").find("unable to bind socket, errno: 1"),
                std::string::npos)
          << "bind got EPERM";
    }
    RunShell("redis-cli -p " + (c.moved ? moved_port : port) + " SHUTDOWN NOSAVE");
    server->Signal(SIGTERM);  // in case it no longer listens anywhere
    Result<int> status = server->Wait(30);
    EXPECT_TRUE(status.ok());
  }
}

// The nginx study's traced profile, enforced phase by phase with the kill action: the master
// and its workers (which start up as root and drop to www-data) serve pages, large files and
// errors, survive a reload that replaces the workers, and end cleanly. Every worker enters the
// serving phase, which lacks what only start-up needs (dropping privileges, listening).
TEST_F(StudyCli, NginxServesUnderItsPhasedProfile) {
  if (!FileExists("/usr/sbin/nginx")) GTEST_SKIP() << "no nginx";
  std::string report = scratch_.File("nginx");
  CommandResult study = RunCommand({SysfenceBinary(), "study", "nginx", "-o", report}, 600);
  ASSERT_EQ(study.exit_code, 0) << study.out << study.err;
  std::string profile = report + "/service-nginx.json";
  std::set<std::string> serving = PhaseCalls(ReadJson(profile), "serving");
  for (const char* call : {"setuid", "setgid", "setgroups", "bind", "listen", "chown"}) {
    EXPECT_FALSE(serving.contains(call)) << call;
  }

  Result<std::vector<int>> ports = FreeLoopbackPorts(2);
  ASSERT_TRUE(ports.ok());
  std::string work = scratch_.File("nginx-run");
  std::string port = std::to_string((*ports)[0]);
  std::string environment = "work=" + work + " in=" + work + "/in port=" + port +
                            " backend=" + std::to_string((*ports)[1]) + " ";
  std::string study_dir = SourceDir() + "/study/nginx";
  std::filesystem::create_directories(work);
  // The workers run as www-data: they must reach the content through the scratch directory.
  chmod(scratch_.path().c_str(), 0755);
  ASSERT_EQ(RunShell(environment + "sh " + study_dir + "/inputs.sh " + work + "/in && " +
                     environment + "sh " + study_dir + "/setup.sh")
                .exit_code,
            0);
  SubprocessOptions run;
  run.argv = {SysfenceBinary(),
              "run",
              "--profile",
              profile,
              "--phased",
              "--action",
              "kill",
              "--phase-log",
              work + "/phases.log",
              "--",
              "/usr/sbin/nginx",
              "-c",
              work + "/nginx.conf"};
  run.stderr_path = work + "/run.err";
  Result<Subprocess> server = Subprocess::Start(run);
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE(WaitUntilAccepting((*ports)[0], *server)) << ReadWholeFile(work + "/run.err");
  auto get = [&](const std::string& path) {
    return RunShell("curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:" + port + path).out;
  };
  EXPECT_EQ(get("/"), "200");
  EXPECT_EQ(get("/files/large.txt"), "200");
  EXPECT_EQ(get("/files/"), "200");
  EXPECT_EQ(get("/missing"), "404");
  ASSERT_EQ(RunCommand({"/usr/sbin/nginx", "-c", work + "/nginx.conf", "-s", "reload"}).exit_code,
            0);
  usleep(500000);
  EXPECT_EQ(get("/style.css"), "200");
  std::string pid = ReadWholeFile(work + "/nginx.pid");
  ASSERT_FALSE(pid.empty());
  kill(std::stoi(pid), SIGQUIT);
  Result<int> status = server->Wait(60);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, 0) << ReadWholeFile(work + "/run.err");
  // Two workers at start, two more after the reload: each entered serving on its own.
  std::string log = ReadWholeFile(work + "/phases.log");
  size_t switches = 0;
  for (size_t at = log.find(" serving "); at != std::string::npos;
       at = log.find(" serving ", at + 1)) {
    ++switches;
  }
  EXPECT_EQ(switches, 4u) << log;
}

TEST_F(StudyCli, MistakesInAStudyDirectoryAreClearErrorsWithNoReport) {
  std::string out = scratch_.File("report");
  CommandResult missing = RunCommand({SysfenceBinary(), "study", "/nonexistent/study", "-o", out});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/study: not a study directory"), std::string::npos)
      << missing.err;
  CommandResult unknown = RunCommand({SysfenceBinary(), "study", "nosuchstudy", "-o", out});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown study 'nosuchstudy'"), std::string::npos) << unknown.err;

  std::string dir = scratch_.File("bad");
  std::filesystem::create_directories(dir);
  WriteWholeFile(dir + "/study.txt", "program tar tar\nruns tar runs.txt\nready tcp 1\n");
  WriteWholeFile(dir + "/runs.txt", "list | tar --version\n");
  CommandResult bad = RunCommand({SysfenceBinary(), "study", dir, "-o", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(dir + "/study.txt:3: 'ready' before any service"), std::string::npos)
      << bad.err;
  WriteWholeFile(dir + "/study.txt", "program tar tar\nruns tar nothere.txt\n");
  bad = RunCommand({SysfenceBinary(), "study", dir, "-o", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("names nothere.txt, which is not in"), std::string::npos) << bad.err;
  WriteWholeFile(dir + "/study.txt", "program tar /no/such/tar\nruns tar runs.txt\n");
  bad = RunCommand({SysfenceBinary(), "study", dir, "-o", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("the study needs /no/such/tar"), std::string::npos) << bad.err;
  EXPECT_FALSE(FileExists(out)) << "no report for a study that did not run";
}

}  // namespace
}  // namespace sysfence::testing

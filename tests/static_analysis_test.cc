// Runs `sysfence static` on the purpose-built programs of tests/programs/static (fake syscall
// numbers 600+ mark every way a syscall can be reached, and code that cannot be reached) in
// every build variant, and pins down the verb's contract: profile fields, --explain,
// --unresolved, the cache, and one-line errors with exit status 2 for bad input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "ssh_loopback.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string StaticProgram(const std::string& name) { return TestProgram("static/" + name); }

struct Analysis {
  CommandResult result;
  json profile;
  std::set<std::string> syscalls;
};

Analysis Analyze(std::vector<std::string> arguments, const std::string& cache_dir) {
  std::vector<std::string> argv = {SysfenceBinary(), "static", "--cache-dir", cache_dir};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  Analysis a;
  a.result = RunCommand(argv);
  if (a.result.exit_code == 0 && !a.result.out.empty()) {
    a.profile = json::parse(a.result.out);
    for (const auto& name : a.profile["syscalls"]) a.syscalls.insert(name.get<std::string>());
  }
  return a;
}

class StaticVariants : public ::testing::TestWithParam<std::string> {
 protected:
  ScratchDir cache_;
};

TEST_P(StaticVariants, FindsEveryReachableMarkerAndNoUnreachableOne) {
  Analysis a = Analyze({StaticProgram(GetParam())}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  EXPECT_EQ(a.profile["kind"], "static");
  bool is_static = GetParam().find("static") != std::string::npos;
  std::vector<int> present = {600, 601, 602, 603, 604, 605, 606, 620, 621};
  if (!is_static) present.insert(present.end(), {610, 613, 630, 631});
  for (int n : present) {
    EXPECT_TRUE(a.syscalls.count("syscall_" + std::to_string(n))) << "missing marker " << n;
  }
  for (int n : {699, 611, 612, 639}) {
    EXPECT_FALSE(a.syscalls.count("syscall_" + std::to_string(n))) << "unreachable marker " << n;
  }
  // What every process does anyway: the loader's and libc's start-up, the exit.
  for (const char* name : {"exit_group", "mmap", "restart_syscall"}) {
    EXPECT_TRUE(a.syscalls.count(name)) << name;
  }
  if (!is_static) {
    for (const char* name : {"openat", "arch_prctl", "set_tid_address"}) {
      EXPECT_TRUE(a.syscalls.count(name)) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Builds, StaticVariants,
                         ::testing::Values("sf_pie", "sf_nopie", "sf_pie_stripped",
                                           "sf_nopie_stripped", "sf_static", "sf_static_stripped"));

class StaticVerb : public ::testing::Test {
 protected:
  ScratchDir cache_;
  ScratchDir scratch_;
};

TEST_F(StaticVerb, DebugFilesSharpenButAreNeverNeeded) {
  Analysis with = Analyze({StaticProgram("sf_pie")}, cache_.path());
  Analysis without = Analyze({"--no-debug-info", StaticProgram("sf_pie")}, cache_.path());
  ASSERT_EQ(without.result.exit_code, 0) << without.result.err;
  for (int n : {600, 601, 602, 603, 604, 605, 606, 610, 613, 620, 621, 630, 631}) {
    EXPECT_TRUE(without.syscalls.count("syscall_" + std::to_string(n))) << n;
  }
  // Without libc's symbols the analysis can only be as tight or looser.
  for (const std::string& name : with.syscalls) EXPECT_TRUE(without.syscalls.count(name)) << name;
}

// "N objects (M from the cache, K with debug symbols)" of --stats: K.
int ObjectsWithDebugSymbols(const std::string& stats) {
  size_t at = stats.find(" with debug symbols");
  if (at == std::string::npos) return -1;
  size_t start = stats.rfind(' ', at - 1);
  return std::stoi(stats.substr(start + 1, at - start - 1));
}

TEST_F(StaticVerb, ADebugDirServesAContainersIdenticalLibraries) {
  const std::string libc = "/lib/x86_64-linux-gnu/libc.so.6";
  const std::string loader = "/lib64/ld-linux-x86-64.so.2";
  if (!FileExists("/usr/bin/diff") || !FileExists("/usr/lib/debug/.build-id")) {
    GTEST_SKIP() << "needs diff and libc6-dbg";
  }
  // A container image: diff, libc and the loader, copied, and no debug files of its own.
  std::string root = scratch_.path() + "/root";
  for (const std::string& file : {std::string("/usr/bin/diff"), libc, loader}) {
    fs::create_directories(fs::path(root + file).parent_path());
    fs::copy_file(file, root + file);
  }
  Analysis host = Analyze({"--stats", "/usr/bin/diff"}, cache_.path());
  Analysis alone = Analyze({"--stats", "--sysroot", root, root + "/usr/bin/diff"}, cache_.path());
  Analysis served = Analyze(
      {"--stats", "--sysroot", root, "--debug-dir", "/usr/lib/debug", root + "/usr/bin/diff"},
      cache_.path());
  for (const Analysis* a : {&host, &alone, &served}) {
    ASSERT_EQ(a->result.exit_code, 0) << a->result.err;
  }
  ASSERT_EQ(ObjectsWithDebugSymbols(host.result.err), 2) << host.result.err;
  EXPECT_EQ(ObjectsWithDebugSymbols(alone.result.err), 0) << alone.result.err;
  EXPECT_EQ(ObjectsWithDebugSymbols(served.result.err), 2) << served.result.err;
  // Same build ids, same debug files: the same set as on the host.
  EXPECT_EQ(served.syscalls, host.syscalls);
  // Without them the container's set is sound, never tighter.
  for (const std::string& name : host.syscalls) EXPECT_TRUE(alone.syscalls.count(name)) << name;
}

TEST_F(StaticVerb, ADebugDirThatIsNoDirectoryIsAnError) {
  Analysis a = Analyze({"--debug-dir", scratch_.path() + "/missing", StaticProgram("sf_pie")},
                       cache_.path());
  EXPECT_EQ(a.result.exit_code, 2);
  EXPECT_NE(a.result.err.find("--debug-dir " + scratch_.path() + "/missing: not a directory"),
            std::string::npos)
      << a.result.err;
  EXPECT_TRUE(a.result.out.empty());
}

TEST_F(StaticVerb, ALibraryAnalysedAsLibraryReachesEveryExport) {
  Analysis a = Analyze({StaticProgram("libsftest.so")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  EXPECT_TRUE(a.syscalls.count("syscall_610"));
  EXPECT_TRUE(a.syscalls.count("syscall_612"));  // exported: a root of a library
  EXPECT_TRUE(a.syscalls.count("syscall_613"));
  EXPECT_FALSE(a.syscalls.count("syscall_611"));
}

TEST_F(StaticVerb, ProfileNamesImagesEvidenceAndAddedObjects) {
  Analysis a = Analyze({StaticProgram("sf_pie")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  const json& evidence = a.profile["evidence"]["syscall_600"];
  ASSERT_TRUE(evidence.is_array());
  ASSERT_FALSE(evidence.empty());
  EXPECT_EQ(evidence[0]["image"], fs::canonical(StaticProgram("sf_pie")).string());
  EXPECT_EQ(evidence[0]["function"], "main");
  for (const auto& [name, sites] : a.profile["evidence"].items())
    EXPECT_LE(sites.size(), 8u) << name;
  std::string library = fs::canonical(StaticProgram("libsftest.so")).string();
  ASSERT_TRUE(a.profile["images"].contains(library)) << a.profile["images"].dump();
  std::set<std::string> library_calls;
  for (const auto& n : a.profile["images"][library]) library_calls.insert(n.get<std::string>());
  EXPECT_EQ(library_calls, (std::set<std::string>{"syscall_610", "syscall_613"}));
  bool plugin_listed = false;
  for (const auto& added : a.profile["added_objects"]) {
    if (added["path"].get<std::string>().find("libsftest_plugin.so") != std::string::npos) {
      plugin_listed = true;
      EXPECT_NE(added["reason"].get<std::string>().find("dlopen(\"libsftest_plugin.so\")"),
                std::string::npos);
    }
  }
  EXPECT_TRUE(plugin_listed) << a.profile["added_objects"].dump();
  EXPECT_TRUE(a.profile["unresolved"].empty()) << a.profile["unresolved"].dump();
}

TEST_F(StaticVerb, OutputFileHoldsTheSameProfileAsStdout) {
  std::string out = scratch_.File("p.json");
  auto r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "-o", out,
                       StaticProgram("sf_nopie")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  Analysis a = Analyze({StaticProgram("sf_nopie")}, cache_.path());
  EXPECT_EQ(json::parse(ReadWholeFile(out))["syscalls"], a.profile["syscalls"]);
}

TEST_F(StaticVerb, ExplainPrintsOnePathFromARootThroughTheIfunc) {
  auto r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain",
                       "syscall_620", StaticProgram("sf_pie")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("syscall_620 (620) reached by this path"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("IFUNC resolver"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sf_pie"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"syscalls\""), std::string::npos);  // no profile on stdout

  r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain",
                  "syscall_610", StaticProgram("sf_pie")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("calls sf_lib_direct"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("entry point of"), std::string::npos) << r.out;
}

TEST_F(StaticVerb, ExplainRejectsUnknownAndUnreachableSyscalls) {
  auto r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain",
                       "frobnicate", StaticProgram("sf_pie")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos);
  r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain",
                  "syscall_699", StaticProgram("sf_pie")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not reachable"), std::string::npos) << r.err;
}

TEST_F(StaticVerb, UnresolvedSitesAreListedAndUnresolvedAllAllowsEverything) {
  Analysis a = Analyze({StaticProgram("sf_unresolved")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  ASSERT_FALSE(a.profile["unresolved"].empty());
  bool in_main = false;
  for (const auto& site : a.profile["unresolved"]) {
    if (site["image"].get<std::string>().find("sf_unresolved") != std::string::npos) {
      in_main = true;
      EXPECT_FALSE(site["reason"].get<std::string>().empty());
    }
  }
  EXPECT_TRUE(in_main) << a.profile["unresolved"].dump();
  EXPECT_NE(a.result.err.find("reachable syscall site"), std::string::npos) << a.result.err;
  Analysis all = Analyze({"--unresolved=all", StaticProgram("sf_unresolved")}, cache_.path());
  ASSERT_EQ(all.result.exit_code, 0);
  EXPECT_GT(all.syscalls.size(), 370u);
}

TEST_F(StaticVerb, CacheIsReusedAndACorruptEntryIsIgnoredWithAWarning) {
  Analysis first = Analyze({StaticProgram("sf_pie")}, cache_.path());
  ASSERT_EQ(first.result.exit_code, 0);
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(cache_.path() + "/objects"))
    entries.push_back(e.path());
  ASSERT_GE(entries.size(), 4u);  // program, libsftest, libc, loader, plugin
  Analysis second = Analyze({StaticProgram("sf_pie")}, cache_.path());
  EXPECT_EQ(second.profile, first.profile);
  EXPECT_EQ(second.result.err.find("cache"), std::string::npos) << second.result.err;
  for (const fs::path& entry : entries) {
    std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(entry) / 2));
    f.write("garbage!", 8);
  }
  Analysis third = Analyze({StaticProgram("sf_pie")}, cache_.path());
  ASSERT_EQ(third.result.exit_code, 0) << third.result.err;
  EXPECT_NE(third.result.err.find("ignoring corrupt cache entry"), std::string::npos);
  EXPECT_EQ(third.profile, first.profile);
  // The corrupt entries were rewritten.
  Analysis fourth = Analyze({StaticProgram("sf_pie")}, cache_.path());
  EXPECT_EQ(fourth.result.err.find("corrupt"), std::string::npos) << fourth.result.err;
}

TEST_F(StaticVerb, NoCacheWritesNothing) {
  Analysis a = Analyze({"--no-cache", StaticProgram("sf_pie")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0);
  EXPECT_FALSE(fs::exists(cache_.path() + "/objects"));
}

TEST_F(StaticVerb, MissingLibraryIsAWarningNamingLibraryAndRequester) {
  std::string program = StaticProgram("sf_missing_library");
  Analysis a = Analyze({program}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  EXPECT_NE(a.result.err.find("library libsfhidden.so (needed by " + program + ") not found"),
            std::string::npos)
      << a.result.err;
  EXPECT_TRUE(a.syscalls.count("exit_group"));
  // --library-path finds it.
  Analysis found = Analyze({"--library-path", StaticProgram("hidden"), program}, cache_.path());
  ASSERT_EQ(found.result.exit_code, 0);
  EXPECT_EQ(found.result.err.find("not found"), std::string::npos) << found.result.err;
  EXPECT_TRUE(found.syscalls.count("syscall_613"));  // its constructor
}

TEST_F(StaticVerb, DlopenOptionAddsALibraryWithItsExports) {
  std::string hidden = StaticProgram("hidden/libsfhidden.so");
  Analysis a = Analyze({"--dlopen", hidden, StaticProgram("sf_unresolved")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  // Its exports are reachable through dlsym, its constructor runs at dlopen.
  for (int n : {610, 612, 613}) EXPECT_TRUE(a.syscalls.count("syscall_" + std::to_string(n))) << n;
  EXPECT_FALSE(a.syscalls.count("syscall_611"));
  bool listed = false;
  for (const auto& added : a.profile["added_objects"]) {
    listed |= added["path"] == hidden && added["reason"] == "--dlopen";
  }
  EXPECT_TRUE(listed) << a.profile["added_objects"].dump();
}

TEST_F(StaticVerb, NssModulesFollowTheConfiguration) {
  // id(1) looks up users and groups: with "systemd" configured, libnss_systemd is loaded.
  std::string with = scratch_.File("with.conf"), without = scratch_.File("without.conf");
  WriteWholeFile(with, "passwd: files systemd\ngroup: files systemd\n");
  WriteWholeFile(without, "passwd: files\ngroup: files\n");
  Analysis a = Analyze({"--nsswitch", with, "/usr/bin/id"}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  bool systemd = false;
  for (const auto& added : a.profile["added_objects"]) {
    if (added["path"].get<std::string>().find("libnss_systemd.so.2") != std::string::npos) {
      systemd = true;
      EXPECT_NE(added["reason"].get<std::string>().find("NSS service 'systemd'"),
                std::string::npos);
    }
  }
  EXPECT_TRUE(systemd) << a.profile["added_objects"].dump();
  Analysis b = Analyze({"--nsswitch", without, "/usr/bin/id"}, cache_.path());
  ASSERT_EQ(b.result.exit_code, 0);
  EXPECT_EQ(b.profile["added_objects"].dump().find("libnss_systemd"), std::string::npos);
}

TEST_F(StaticVerb, ExplainFunctionPrintsAPath) {
  auto r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(),
                       "--explain-function", "sf_lib_direct", StaticProgram("sf_pie")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sf_lib_direct reached by this path"), std::string::npos) << r.out;
  r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain-function",
                  "sf_lib_exported_unused", StaticProgram("sf_pie")});
  EXPECT_EQ(r.exit_code, 2);
}

// --phases: the markers of sf_phases.c land in the phase of the code that issues them.
std::map<std::string, std::set<std::string>> PhaseSets(const json& profile) {
  std::map<std::string, std::set<std::string>> sets;
  for (const auto& phase : profile["phases"]) {
    auto& set = sets[phase["name"].get<std::string>()];
    for (const auto& name : phase["syscalls"]) set.insert(name.get<std::string>());
  }
  return sets;
}

std::set<std::string> Markers(const std::set<std::string>& syscalls) {
  std::set<std::string> markers;
  for (const std::string& name : syscalls) {
    if (name.rfind("syscall_6", 0) == 0) markers.insert(name);
  }
  return markers;
}

// sf_tables.c: handler tables and an array in .data.rel.ro. Without a symbol table (the
// stripped copy) the regions come from the code's lea addresses and the relocations: the
// table only unreachable code uses stays out, and the array main walks from its base keeps
// every element although unreachable code names its third one on its own.
TEST_F(StaticVerb, DataRegionsWithoutSymbolsSeparateTablesButKeepArraysWhole) {
  for (const char* program : {"sf_tables", "sf_tables_stripped"}) {
    Analysis a = Analyze({StaticProgram(program)}, cache_.path());
    ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
    EXPECT_EQ(Markers(a.syscalls),
              (std::set<std::string>{"syscall_670", "syscall_671", "syscall_674", "syscall_675",
                                     "syscall_676", "syscall_677", "syscall_678", "syscall_679"}))
        << program;
  }
}

class StaticPhases : public ::testing::TestWithParam<std::string> {
 protected:
  ScratchDir cache_;
};

TEST_P(StaticPhases, EachMarkerIsInThePhaseOfItsCode) {
  Analysis a = Analyze({"--phases", StaticProgram(GetParam())}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  ASSERT_EQ(a.profile["phases"].size(), 3u) << a.profile["phases"].dump();
  EXPECT_EQ(a.profile["phases"][0]["name"], "startup");
  EXPECT_EQ(a.profile["phases"][1]["name"], "main");
  EXPECT_EQ(a.profile["phases"][2]["name"], "exit");
  auto sets = PhaseSets(a.profile);
  // The top-level set stays the whole process's.
  EXPECT_EQ(Markers(a.syscalls), (std::set<std::string>{"syscall_640", "syscall_641", "syscall_642",
                                                        "syscall_643", "syscall_644"}));
  bool is_static = GetParam().find("static") != std::string::npos;
  if (!is_static) {
    EXPECT_EQ(Markers(sets["startup"]), (std::set<std::string>{"syscall_640"}));
    // The atexit handler's address is taken in main, which calls through pointers: it is in
    // main's set too (docs/STATIC.md, "Phases").
    EXPECT_EQ(Markers(sets["main"]),
              (std::set<std::string>{"syscall_641", "syscall_642", "syscall_643"}));
    EXPECT_EQ(Markers(sets["exit"]), (std::set<std::string>{"syscall_643", "syscall_644"}));
  } else {
    // Static glibc runs the init and fini arrays itself, through pointers it takes from
    // __init_array_start and __fini_array_start: both arrays are address-taken from start-up
    // on, so later phases may reach them. What only main reaches stays out of start-up.
    for (const char* marker : {"syscall_640"}) EXPECT_TRUE(sets["startup"].count(marker));
    for (const char* marker : {"syscall_641", "syscall_642"}) {
      EXPECT_FALSE(sets["startup"].count(marker)) << marker;
      EXPECT_TRUE(sets["main"].count(marker)) << marker;
    }
    for (const char* marker : {"syscall_643", "syscall_644"})
      EXPECT_TRUE(sets["exit"].count(marker));
  }
  for (const auto& [name, set] : sets) {
    for (const std::string& call : set) EXPECT_TRUE(a.syscalls.count(call)) << name << " " << call;
    EXPECT_TRUE(set.count("restart_syscall")) << name;
  }
  // The process ends in the exit phase; the loader's own calls are start-up.
  EXPECT_TRUE(sets["exit"].count("exit_group"));
  if (!is_static) {
    for (const char* name : {"openat", "mmap", "arch_prctl", "mprotect"}) {
      EXPECT_TRUE(sets["startup"].count(name)) << name;
    }
  }
}

TEST_P(StaticPhases, FromAFunctionGivesWhatItReaches) {
  // By symbol, or by the address the unstripped build reports (the stripped copy has the
  // same addresses and no symbols).
  std::string program = StaticProgram(GetParam());
  std::string unstripped = program.substr(0, program.rfind("_stripped"));
  Analysis named = Analyze({"--from", "serve", unstripped}, cache_.path());
  ASSERT_EQ(named.result.exit_code, 0) << named.result.err;
  const json& from = named.profile["from_function"];
  EXPECT_EQ(from["function"], "serve");
  EXPECT_EQ(from["image"], fs::canonical(unstripped).string());
  Analysis a = named;
  if (program != unstripped) {
    a = Analyze({"--from", from["address"].get<std::string>(), program}, cache_.path());
    ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  }
  // serve's own marker; not the constructor's, main's or the destructor's. (The atexit
  // handler's address was taken before serve runs, so a pointer call may reach it.)
  // (In the static build, the init and fini arrays and main are address-taken by libc's own
  // start-up code, so pointer calls may reach them.)
  EXPECT_TRUE(a.syscalls.count("syscall_642"));
  for (const char* marker : {"syscall_640", "syscall_641", "syscall_644"}) {
    if (GetParam().find("static") == std::string::npos) {
      EXPECT_FALSE(a.syscalls.count(marker)) << marker;
    }
  }
  EXPECT_TRUE(a.syscalls.count("restart_syscall"));
  EXPECT_TRUE(a.profile["phases"].empty());
}

INSTANTIATE_TEST_SUITE_P(Builds, StaticPhases,
                         ::testing::Values("sf_phases", "sf_phases_stripped", "sf_phases_static"));

TEST_F(StaticVerb, PhasesOfAStrippedStaticProgramNeedExit) {
  // main is found through _start, but nothing names exit(): no guess, an error.
  Analysis a = Analyze({"--phases", StaticProgram("sf_phases_static_stripped")}, cache_.path());
  EXPECT_EQ(a.result.exit_code, 2);
  EXPECT_NE(a.result.err.find("cannot find exit()"), std::string::npos) << a.result.err;
  EXPECT_EQ(std::count(a.result.err.begin(), a.result.err.end(), '\n'), 1) << a.result.err;
}

TEST_F(StaticVerb, PhasesWithoutMainAreAnError) {
  Analysis a = Analyze({"--phases", StaticProgram("libsftest.so")}, cache_.path());
  EXPECT_EQ(a.result.exit_code, 2);
  EXPECT_NE(a.result.err.find("has no main"), std::string::npos) << a.result.err;
  EXPECT_TRUE(a.result.out.empty());
}

TEST_F(StaticVerb, FromAnUnknownFunctionIsAnErrorNamingIt) {
  for (const char* spec :
       {"no_such_function", "libc.so.6:no_such_function", "0x1", "libnothing.so:serve"}) {
    Analysis a = Analyze({"--from", spec, StaticProgram("sf_phases")}, cache_.path());
    EXPECT_EQ(a.result.exit_code, 2) << spec;
    EXPECT_NE(a.result.err.find(spec), std::string::npos) << a.result.err;
    EXPECT_EQ(std::count(a.result.err.begin(), a.result.err.end(), '\n'), 1) << a.result.err;
  }
  // A function of another object, by OBJECT:SYMBOL.
  Analysis getpid =
      Analyze({"--from", "libc.so.6:getpid", StaticProgram("sf_phases")}, cache_.path());
  ASSERT_EQ(getpid.result.exit_code, 0) << getpid.result.err;
  EXPECT_TRUE(getpid.syscalls.count("getpid"));
  EXPECT_FALSE(getpid.syscalls.count("syscall_641"));
}

TEST_F(StaticVerb, ExplainWorksWithPhasesAndFrom) {
  auto r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--phases",
                       "--explain", "syscall_640", StaticProgram("sf_phases")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("initializer of"), std::string::npos) << r.out;
  r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--from", "serve",
                  "--explain", "syscall_642", StaticProgram("sf_phases")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--from serve"), std::string::npos) << r.out;
  r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--from", "serve",
                  "--explain", "syscall_641", StaticProgram("sf_phases")});
  EXPECT_EQ(r.exit_code, 2);  // main's marker is not reachable from serve()
}

// The real programs: each phase is a part of the whole set, main's strictly.
TEST_F(StaticVerb, PhasesOfDiffAndSshArePartsOfTheWholeSet) {
  for (const char* program : {"/usr/bin/diff", "/usr/bin/ssh"}) {
    if (!FileExists(program)) continue;
    Analysis a = Analyze({"--phases", program}, cache_.path());
    ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
    auto sets = PhaseSets(a.profile);
    ASSERT_EQ(sets.size(), 3u) << program;
    for (const auto& [name, set] : sets) {
      for (const std::string& call : set)
        EXPECT_TRUE(a.syscalls.count(call)) << program << " " << name << " " << call;
    }
    EXPECT_FALSE(sets["main"].empty()) << program;
    EXPECT_LT(sets["main"].size(), a.syscalls.size()) << program;
    // What this machine's ld.so issues before main (strace shows them).
    for (const char* name : {"openat", "mmap", "mprotect", "arch_prctl", "set_tid_address",
                             "set_robust_list", "rseq", "prlimit64", "access"}) {
      EXPECT_TRUE(sets["startup"].count(name)) << program << " " << name;
    }
    EXPECT_TRUE(sets["exit"].count("exit_group")) << program;
  }
}

class StaticBadInput : public ::testing::Test {
 protected:
  // Runs with -o and checks: exit 2, a single line on stderr naming `path`, no output file.
  void ExpectRejected(const std::string& path, const std::string& message) {
    std::string out = scratch_.File("never.json");
    auto r = RunCommand({SysfenceBinary(), "static", "--no-cache", "-o", out, path});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "sysfence: " + path + ": " + message + "\n");
    EXPECT_FALSE(FileExists(out));
  }
  ScratchDir scratch_;
};

TEST_F(StaticBadInput, NonElfFile) {
  std::string path = scratch_.File("text");
  WriteWholeFile(path, "plain text, not an ELF file (and no '#!' script)\n");
  ExpectRejected(path, "not an ELF file");
}

TEST_F(StaticBadInput, ThirtyTwoBitElf) {
  std::string bytes = ReadWholeFile(StaticProgram("sf_pie")).substr(0, 4096);
  bytes[4] = 1;  // ELFCLASS32
  std::string path = scratch_.File("elf32");
  WriteWholeFile(path, bytes);
  ExpectRejected(path, "not a 64-bit ELF file (only x86-64 is supported)");
}

TEST_F(StaticBadInput, TruncatedElf) {
  std::string path = scratch_.File("truncated");
  WriteWholeFile(path, ReadWholeFile(StaticProgram("sf_pie")).substr(0, 300));
  std::string out = scratch_.File("never.json");
  auto r = RunCommand({SysfenceBinary(), "static", "--no-cache", "-o", out, path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("sysfence: " + path + ": truncated or corrupt ELF file: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_FALSE(FileExists(out));
}

TEST_F(StaticBadInput, Directory) { ExpectRejected(scratch_.path(), "is a directory"); }

TEST_F(StaticBadInput, MissingFile) {
  ExpectRejected(scratch_.File("does-not-exist"), "No such file or directory");
}

// Code the loader and dlsym run by name (tests/programs/static/sf_hooks*.c): exported
// constructors and destructors fill their array slots through symbol relocations, the
// program interposes on one of them, and main calls two functions found with
// dlsym(RTLD_DEFAULT / RTLD_NEXT, "name").
class StaticHooks : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  ScratchDir cache_;
};

TEST_P(StaticHooks, ExportedConstructorsInterposersAndDlsymNamesAreFollowed) {
  auto [program, debug_files] = GetParam();
  std::vector<std::string> args;
  if (!debug_files) args.push_back("--no-debug-info");
  args.push_back(StaticProgram(program));
  Analysis a = Analyze(args, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  for (int n : {660, 661, 663, 664, 665}) {
    EXPECT_TRUE(a.syscalls.count("syscall_" + std::to_string(n))) << "missing marker " << n;
  }
  // The library's own sf_hooks_interposed never runs: its slot binds to the program's.
  EXPECT_FALSE(a.syscalls.count("syscall_662"));
}

INSTANTIATE_TEST_SUITE_P(Builds, StaticHooks,
                         ::testing::Combine(::testing::Values("sf_hooks", "sf_hooks_stripped"),
                                            ::testing::Bool()));

TEST_F(StaticVerb, ExplainNamesTheExportedConstructorAndTheDlsymCall) {
  CommandResult r =
      RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "-o", "/dev/null",
                  "--explain", "syscall_660", StaticProgram("sf_hooks")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("initializer of "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sf_hooks_constructor"), std::string::npos) << r.out;
  r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "-o", "/dev/null",
                  "--explain", "syscall_664", StaticProgram("sf_hooks")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dlsym(\"sf_hooks_by_name\")"), std::string::npos) << r.out;
}

TEST_F(StaticVerb, PhasesPutExportedConstructorsInStartupAndDestructorsInExit) {
  Analysis a = Analyze({"--phases", StaticProgram("sf_hooks")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  std::map<std::string, std::set<std::string>> sets;
  for (const auto& phase : a.profile["phases"]) {
    for (const auto& name : phase["syscalls"]) sets[phase["name"]].insert(name.get<std::string>());
  }
  EXPECT_TRUE(sets["startup"].count("syscall_660"));
  EXPECT_TRUE(sets["startup"].count("syscall_663"));
  EXPECT_TRUE(sets["exit"].count("syscall_661"));
  EXPECT_FALSE(sets["startup"].count("syscall_661"));
}

// A `#!` script is analysed as the programs its line runs; the profile says so.
TEST_F(StaticVerb, ScriptsAreAnalysedAsTheProgramsTheirFirstLineRuns) {
  std::string shell = scratch_.File("upper.sh");
  WriteWholeFile(shell, "#!/bin/sh\necho \"$@\" | tr a-z A-Z\n");
  std::string python = scratch_.File("hello.py");
  WriteWholeFile(python, "#!/usr/bin/env python3\nimport select\nselect.epoll().close()\n");
  chmod(shell.c_str(), 0755);
  chmod(python.c_str(), 0755);
  Analysis sh = Analyze({shell}, cache_.path());
  ASSERT_EQ(sh.result.exit_code, 0) << sh.result.err;
  EXPECT_EQ(sh.profile["target"], shell);
  EXPECT_EQ(sh.profile["script"]["line"], "/bin/sh");
  EXPECT_EQ(sh.profile["script"]["programs"], json::array({fs::canonical("/bin/sh").string()}));
  EXPECT_NE(sh.result.err.find("is a script"), std::string::npos) << sh.result.err;
  Analysis dash = Analyze({"/bin/sh"}, cache_.path());
  EXPECT_EQ(sh.syscalls, dash.syscalls);

  Analysis py = Analyze({"--path", "/usr/bin:/bin", python}, cache_.path());
  ASSERT_EQ(py.result.exit_code, 0) << py.result.err;
  json programs = py.profile["script"]["programs"];
  ASSERT_EQ(programs.size(), 2u) << programs;
  EXPECT_EQ(programs[0], fs::canonical("/usr/bin/env").string());
  EXPECT_EQ(programs[1], fs::canonical("/usr/bin/python3").string());
  // env runs first in the same process: its calls are in the set too.
  Analysis env = Analyze({"/usr/bin/env"}, cache_.path());
  for (const std::string& name : env.syscalls) EXPECT_TRUE(py.syscalls.count(name)) << name;
}

TEST_F(StaticVerb, ScriptsCoverWhatTheirTracedRunsDo) {
  std::string python = scratch_.File("work.py");
  WriteWholeFile(
      python,
      "#!/usr/bin/env python3\nimport select, socket, threading\n"
      "select.epoll().close()\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.close()\n"
      "t = threading.Thread(target=print, args=('x',)); t.start(); t.join()\n");
  chmod(python.c_str(), 0755);
  std::string traced = scratch_.File("traced.json");
  CommandResult t = RunCommand(
      {"env", "PATH=/usr/bin:/bin", SysfenceBinary(), "trace", "-o", traced, "--", python});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  Analysis a = Analyze({"--path", "/usr/bin:/bin", python}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  json profile = json::parse(ReadWholeFile(traced));
  for (const auto& name : profile["syscalls"]) {
    EXPECT_TRUE(a.syscalls.count(name.get<std::string>())) << "static set misses " << name;
  }
}

TEST_F(StaticVerb, ScriptErrorsNameTheScriptAndItsInterpreter) {
  struct Case {
    std::string text, expected;
  };
  for (const Case& c :
       {Case{"#!/no/such/shell\n", "its interpreter /no/such/shell is not an executable file"},
        Case{"#!\n", "its '#!' line names no interpreter"},
        Case{"#!/usr/bin/env\n", "its '#!' line runs env without a command"},
        Case{"#!/usr/bin/env no-such-interpreter-here\n",
             "its interpreter 'no-such-interpreter-here' (run by env) is not "
             "found in PATH"}}) {
    std::string script = scratch_.File("bad");
    WriteWholeFile(script, c.text);
    chmod(script.c_str(), 0755);
    CommandResult r = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "-o",
                                  scratch_.File("out.json"), script});
    EXPECT_EQ(r.exit_code, 2) << c.text;
    EXPECT_NE(r.err.find(script + ": " + c.expected), std::string::npos) << r.err;
    EXPECT_FALSE(FileExists(scratch_.File("out.json")));
  }
}

TEST_F(StaticVerb, DlopenTakesADirectoryOrAGlob) {
  std::string directory = fs::path(StaticProgram("libsftest_plugin.so")).parent_path().string();
  Analysis by_dir = Analyze({"--dlopen", directory, StaticProgram("sf_unresolved")}, cache_.path());
  ASSERT_EQ(by_dir.result.exit_code, 0) << by_dir.result.err;
  Analysis by_glob = Analyze(
      {"--dlopen", directory + "/libsftest_*.so", StaticProgram("sf_unresolved")}, cache_.path());
  ASSERT_EQ(by_glob.result.exit_code, 0) << by_glob.result.err;
  for (const Analysis* a : {&by_dir, &by_glob}) {
    EXPECT_TRUE(a->syscalls.count("syscall_630")) << "the plugin's export";
  }
  // The directory holds libsfhooks.so too: its exports count; the glob does not name it.
  EXPECT_TRUE(by_dir.syscalls.count("syscall_664"));
  EXPECT_FALSE(by_glob.syscalls.count("syscall_664"));
  CommandResult none = RunCommand({SysfenceBinary(), "static", "--dlopen",
                                   directory + "/nothing*.so", StaticProgram("sf_unresolved")});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("matches no shared object"), std::string::npos) << none.err;
}

// Traces real runs with `sysfence trace` and checks with `sysfence compare --soundness` that
// every call of every image is in that image's static set.
class StaticSoundness : public ::testing::Test {
 protected:
  // `sysfence compare --soundness [check_arguments...] TRACED` on a trace of `command`.
  CommandResult Check(const std::vector<std::string>& command,
                      const std::vector<std::string>& check_arguments = {}) {
    std::string traced = scratch_.File("traced.json");
    std::vector<std::string> trace = {SysfenceBinary(), "trace", "-o", traced, "--"};
    trace.insert(trace.end(), command.begin(), command.end());
    CommandResult t = RunCommand(trace, 300);
    if (!FileExists(traced)) {
      ADD_FAILURE() << "no profile from tracing " << command.front() << ": " << t.err;
      return t;
    }
    return CheckProfile(traced, check_arguments);
  }
  CommandResult CheckProfile(const std::string& traced,
                             const std::vector<std::string>& check_arguments = {}) {
    std::vector<std::string> argv = {SysfenceBinary(), "compare", "--soundness"};
    argv.insert(argv.end(), check_arguments.begin(), check_arguments.end());
    argv.push_back(traced);
    return RunCommand(argv, 300);
  }
  ScratchDir scratch_;
};

// Counts the report lines of `compare --soundness` ("IMAGE: N traced, M static, missed:
// ..."), failing the test for every image that missed a call or could not be analysed.
size_t Occurrences(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

size_t CheckedImagesMissingNothing(const std::string& report) {
  size_t checked = 0;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(": cannot analyse") != std::string::npos) ADD_FAILURE() << line;
    if (line.find(" missed: ") == std::string::npos) continue;
    if (line.ends_with(" missed: none")) {
      ++checked;
    } else {
      ADD_FAILURE() << line;
    }
  }
  return checked;
}

TEST_F(StaticSoundness, TestProgramsMissNothing) {
  for (const char* name : {"sf_pie", "sf_nopie_stripped", "sf_static"}) {
    CommandResult r = Check({StaticProgram(name)});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("missed: none"), std::string::npos) << r.out;
  }
}

// A syscall number passed through a function pointer (tests/programs/pointer_numbers.c): the
// numbers the program's calls through pointers pass reach the site, which stays resolved. The
// program's pointer calls are read once for every function they may call, not once per
// function (chromium, with hundreds of thousands of them, ran out of time and memory).
TEST_F(StaticVerb, NumbersPassedThroughPointersReachTheSite) {
  Analysis a = Analyze({TestProgram("pointer_numbers")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  EXPECT_TRUE(a.syscalls.count("getppid")) << a.result.out;
  EXPECT_TRUE(a.syscalls.count("getpgrp")) << a.result.out;
  EXPECT_EQ(a.profile["unresolved"], json::array()) << a.result.out;
}

// Argument values through wrappers: the static values of each argument of the table are the
// constants its callers pass, however many calls up (tests/programs/wrapped_arguments.c), and
// a value not known statically leaves the argument free.
TEST_F(StaticVerb, ArgumentValuesComeFromTheCallersOfWrappers) {
  Analysis a = Analyze({TestProgram("wrapped_arguments")}, cache_.path());
  ASSERT_EQ(a.result.exit_code, 0) << a.result.err;
  EXPECT_EQ(a.profile["sysfence"], 2);
  const json& args = a.profile["args"];
  // Two levels up, and one: nothing else in the program or libc opens a socket.
  EXPECT_EQ(args["socket"]["domain"], json({"AF_UNIX", "AF_INET6"})) << args.dump();
  EXPECT_EQ(args["socket"]["type"], json({"SOCK_STREAM"})) << args.dump();
  // Through glibc's ioctl and syscall(); tcsetattr's requests by the analysis' rule.
  EXPECT_EQ(args["ioctl"]["request"], json({"TCGETS", "TCSETS", "TCSETSW", "TCSETSF", "0x402c542b",
                                            "0x402c542c", "0x402c542d", "0x802c542a"}))
      << args.dump();
  EXPECT_EQ(args["prctl"]["option"], json({"PR_GET_NO_NEW_PRIVS"})) << args.dump();
  // The advice comes from atoi(argv[1]): any value.
  EXPECT_TRUE(a.syscalls.count("madvise"));
  EXPECT_FALSE(args.contains("madvise")) << args.dump();

  CommandResult explained = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(),
                                        "--explain", "socket", TestProgram("wrapped_arguments")});
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  for (const char* line :
       {"argument values:", "  domain:", "    AF_INET6:", "main (",
        "passes AF_INET6 in %rdi to open_stream", "open_stream (",
        "passes it on in %rdi to open_socket", "passes SOCK_STREAM in %rsi to open_socket"}) {
    EXPECT_NE(explained.out.find(line), std::string::npos) << line << "\n" << explained.out;
  }
  explained = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain",
                          "ioctl", TestProgram("wrapped_arguments")});
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_NE(explained.out.find("    TCSETSW:\n      tcsetattr issues only the TCGETS and TCSETS "
                               "requests (a rule of the analysis) at the site"),
            std::string::npos)
      << explained.out;
  explained = RunCommand({SysfenceBinary(), "static", "--cache-dir", cache_.path(), "--explain",
                          "madvise", TestProgram("wrapped_arguments")});
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_NE(explained.out.find("advice: any value: the value arrives in %rdx of"),
            std::string::npos)
      << explained.out;
}

// --no-args: the same calls, no argument values (a version 1 profile).
TEST_F(StaticVerb, NoArgsLeavesArgumentValuesOut) {
  Analysis with = Analyze({TestProgram("wrapped_arguments")}, cache_.path());
  Analysis without = Analyze({"--no-args", TestProgram("wrapped_arguments")}, cache_.path());
  ASSERT_EQ(without.result.exit_code, 0) << without.result.err;
  EXPECT_EQ(without.syscalls, with.syscalls);
  EXPECT_FALSE(without.profile.contains("args")) << without.result.out;
  EXPECT_EQ(without.profile["sysfence"], 1);
  EXPECT_TRUE(with.profile.contains("args"));
}

// Every value argument_calls passes in each of its modes is among its static values.
TEST_F(StaticSoundness, ArgumentValuesMissNothing) {
  for (const char* mode : {"netlink", "packet", "tiocsti", "exec", "newuser", "fork"}) {
    CommandResult r = Check({TestProgram("argument_calls"), mode});
    EXPECT_EQ(r.exit_code, 0) << mode << ": " << r.out << r.err;
    EXPECT_NE(r.out.find(" argument values, missed: none"), std::string::npos) << r.out;
  }
  CommandResult r = Check({TestProgram("wrapped_arguments"), "4"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" argument values, missed: none"), std::string::npos) << r.out;
}

TEST_F(StaticSoundness, DiffMissesNothing) {
  WriteWholeFile(scratch_.File("a"), "one\ntwo\n");
  WriteWholeFile(scratch_.File("b"), "one\nthree\n");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"diff", "-u", scratch_.File("a"), scratch_.File("b")},
        std::vector<std::string>{"diff", "-r", scratch_.path(), "/nonexistent"},
        std::vector<std::string>{"diff", "--help"}}) {
    CommandResult r = Check(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
}

// A broad corpus of real programs (coreutils, text tools, compressors, archivers,
// interpreters, git, curl, openssl, sqlite...) traced in one go: every image they run must
// have every traced call in its static set. PATH is the system's so that the programs are
// Debian's, whatever the user's environment puts first.
// The corpus includes programs that load libcap (an exported constructor), that call
// functions found with dlsym by name (node), and that sandbox themselves only when not under
// seccomp already (man); it is checked with the debug files and without them.
class StaticSoundnessCorpus : public StaticSoundness, public ::testing::WithParamInterface<bool> {};

TEST_P(StaticSoundnessCorpus, RealProgramCorpusMissesNothing) {
  std::vector<std::string> static_arguments;
  if (!GetParam()) static_arguments.push_back("--no-debug-info");
  CommandResult r = Check({"env", "PATH=/usr/bin:/bin", "sh",
                           SourceDir() + "/tests/soundness/corpus.sh", scratch_.path()},
                          static_arguments);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(CheckedImagesMissingNothing(r.out), 60u) << r.out;
  // Their argument values are checked too ("N argument values" on an image's line).
  EXPECT_GE(Occurrences(r.out, " argument values, missed: none"), 60u) << r.out;
  for (const char* image :
       {"/usr/bin/diff", "/usr/bin/tar", "/usr/bin/python3", "/usr/bin/git", "/usr/bin/xz",
        "/usr/bin/curl", "/usr/bin/sqlite3", "/usr/bin/free", "/usr/bin/ip", "/usr/sbin/capsh",
        "/usr/bin/node", "/usr/bin/man", "/usr/bin/systemctl"}) {
    std::string real = std::filesystem::canonical(image).string();
    EXPECT_NE(r.out.find(real + ": "), std::string::npos) << real << " was not checked\n" << r.out;
  }
}

INSTANTIATE_TEST_SUITE_P(DebugFiles, StaticSoundnessCorpus, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "WithDebugFiles" : "WithoutDebugFiles";
                         });

// The programs of the soundness holes run to their normal exit under a kill-mode filter made
// from their own static profile: a call the analysis missed would end them with SIGSYS.
TEST_F(StaticSoundness, OwnStaticProfilesRunUnderAKillFilter) {
  // (A profile is one process image's: a script that runs other programs needs theirs too.)
  std::string shell = scratch_.File("each.sh");
  WriteWholeFile(shell, "#!/bin/sh\nfor word in \"$@\"; do echo \"$word\"; done > words\n");
  std::string python = scratch_.File("hello.py");
  WriteWholeFile(python,
                 "#!/usr/bin/env python3\nimport select, socket\n"
                 "select.epoll().close()\nsocket.socketpair()\nprint('py ok')\n");
  chmod(shell.c_str(), 0755);
  chmod(python.c_str(), 0755);
  struct Case {
    std::string program;
    std::vector<std::string> arguments;
  };
  std::vector<Case> cases = {
      {StaticProgram("sf_hooks"), {}},
      {TestProgram("seccomp_mode"), {}},
      {shell, {"kill", "mode"}},
      {python, {}},
      {"/usr/bin/free", {"-h"}},
      {"/usr/bin/ip", {"-br", "addr"}},
      {"/usr/sbin/capsh", {"--print"}},
      {"/usr/bin/node", {"-e", "require('fs').readdirSync('/'); console.log('node ok')"}},
      // Argument rules too: every call its modes make is in the static values.
      {TestProgram("argument_calls"), {"netlink"}},
      {TestProgram("argument_calls"), {"tiocsti"}},
      {TestProgram("argument_calls"), {"exec"}},
      {TestProgram("argument_calls"), {"fork"}},
      {TestProgram("wrapped_arguments"), {"4"}},
  };
  ScratchDir cache;
  for (const Case& c : cases) {
    if (access(c.program.c_str(), X_OK) != 0) {
      ADD_FAILURE() << c.program << " is not installed (scripts/install-deps.sh installs it)";
      continue;
    }
    std::string profile = scratch_.File("static.json");
    CommandResult analysed = RunCommand({"env", "PATH=/usr/bin:/bin", SysfenceBinary(), "static",
                                         "--cache-dir", cache.path(), "-o", profile, c.program});
    ASSERT_EQ(analysed.exit_code, 0) << c.program << ": " << analysed.err;
    std::vector<std::string> argv = {
        "env",   "PATH=/usr/bin:/bin", SysfenceBinary(), "run", "--profile",
        profile, "--action",           "kill",           "--",  c.program};
    argv.insert(argv.end(), c.arguments.begin(), c.arguments.end());
    CommandResult run = RunCommand(argv);
    EXPECT_EQ(run.exit_code, 0) << c.program << " (159 is SIGSYS: a call the profile lacks)\n"
                                << run.out << run.err;
  }
}

// OpenSSH over loopback, both ends traced: an sshd of its own (key authentication, PAM,
// the sftp subsystem; tests/ssh_loopback.h) and a client doing a command, a pty session, scp
// and sftp both ways and a TCP forward (tests/soundness/ssh_client.sh), checked with the
// debug files and without them.
TEST_F(StaticSoundness, SshClientAndServerMissNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "sshd needs root";
  if (access("/usr/sbin/sshd", X_OK) != 0) GTEST_SKIP() << "no sshd";
  SshLoopbackOptions options;
  options.sysfence_binary = SysfenceBinary();
  options.work_dir = scratch_.path();
  options.config_template = ReadWholeFile(SourceDir() + "/tests/soundness/sshd_config.in");
  Result<SshLoopback> server = SshLoopback::Start(options);
  ASSERT_TRUE(server.ok()) << server.error().message();
  std::string payload(100000, '\0');
  uint32_t state = 12345;
  for (char& byte : payload) byte = static_cast<char>((state = state * 1103515245 + 12345) >> 24);
  WriteWholeFile(scratch_.File("payload"), payload);
  std::string client = scratch_.File("client.json");
  CommandResult sessions =
      RunCommand({SysfenceBinary(), "trace", "-o", client, "--", "bash",
                  SourceDir() + "/tests/soundness/ssh_client.sh", std::to_string(server->port()),
                  scratch_.path(), server->client_options()},
                 300);
  Result<Profile> sshd = server->Stop();
  ASSERT_EQ(sessions.exit_code, 0) << "the ssh sessions failed: " << sessions.out << sessions.err;
  ASSERT_TRUE(sshd.ok()) << sshd.error().message();
  std::string report;
  for (bool debug_files : {true, false}) {
    for (const std::string& traced : {client, scratch_.path() + "/server.json"}) {
      std::vector<std::string> arguments;
      if (!debug_files) arguments.push_back("--no-debug-info");
      CommandResult r = CheckProfile(traced, arguments);
      EXPECT_EQ(r.exit_code, 0) << (debug_files ? "with" : "without") << " debug files:\n"
                                << r.out << r.err;
      report += r.out;
    }
  }
  for (const char* image : {"/usr/bin/ssh: ", "/usr/sbin/sshd: ", "/usr/bin/scp: ",
                            "/usr/bin/sftp: ", "/usr/lib/openssh/sftp-server: "}) {
    EXPECT_NE(report.find(image), std::string::npos) << image << "not checked\n" << report;
  }
  // Each image twice: with the debug files and without them.
  EXPECT_GE(CheckedImagesMissingNothing(report), 12u) << report;
  for (const char* image : {"/usr/bin/ssh: ", "/usr/sbin/sshd: "}) {
    size_t line = report.find(image);
    ASSERT_NE(line, std::string::npos);
    std::string text = report.substr(line, report.find('\n', line) - line);
    EXPECT_NE(text.find(" argument values, missed: none"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace sysfence::testing

namespace sysfence::testing {
namespace {

// compare --explain on sf_explain: traced (ptrace, which records syscall sites) on a run that
// opens its input and takes none of the options, each of its static-only calls falls in the
// class it was written for, with evidence naming its function; the text, JSON and HTML forms
// agree; and a trace without sites still classifies, with a warning.
TEST_F(StaticVerb, ExplainClassifiesEveryStaticOnlyCall) {
  std::string program = StaticProgram("sf_explain");
  std::string dynamic = scratch_.path() + "/dynamic.json";
  std::string static_profile = scratch_.path() + "/static.json";
  CommandResult traced = RunCommand(
      {SysfenceBinary(), "trace", "--backend", "ptrace", "-o", dynamic, "--", program, program});
  ASSERT_EQ(traced.exit_code, 0) << traced.err;
  CommandResult analysed = RunCommand(
      {SysfenceBinary(), "static", "--cache-dir", cache_.path(), "-o", static_profile, program});
  ASSERT_EQ(analysed.exit_code, 0) << analysed.err;
  CommandResult explained =
      RunCommand({SysfenceBinary(), "compare", "--explain", "--cache-dir", cache_.path(),
                  "--format", "json", dynamic, static_profile});
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  json report = json::parse(explained.out);
  std::map<std::string, std::pair<std::string, std::string>> classes;
  for (const json& call : report["calls"]) {
    classes[call["syscall"].get<std::string>()] = {call["class"].get<std::string>(),
                                                   call["evidence"].get<std::string>()};
  }
  // Nothing the trace saw is listed; every static-only call is.
  EXPECT_EQ(classes.count("getsid"), 0u);
  json static_json = json::parse(ReadWholeFile(static_profile));
  json dynamic_json = json::parse(ReadWholeFile(dynamic));
  std::set<std::string> traced_calls;
  for (const json& name : dynamic_json["syscalls"]) traced_calls.insert(name.get<std::string>());
  size_t static_only = 0;
  for (const json& name : static_json["syscalls"]) {
    if (traced_calls.count(name.get<std::string>()) == 0) ++static_only;
  }
  EXPECT_EQ(classes.size(), static_only);
  const std::pair<const char*, const char*> expected[] = {
      {"getpgid", "other_path"},        {"times", "rare_path"},
      {"sysfs", "rare_path"},           {"syslog", "indirect_only"},
      {"restart_syscall", "machinery"}, {"sched_get_priority_min", "other_path"}};
  for (const auto& [name, kind] : expected) {
    ASSERT_EQ(classes.count(name), 1u) << name << " in " << explained.out;
    EXPECT_EQ(classes[name].first, kind) << name << ": " << classes[name].second;
  }
  EXPECT_NE(classes["getpgid"].second.find("issue getsid"), std::string::npos);
  // The shared site ran: the evidence names what the trace saw it issue, not every call the
  // analysis gives the site.
  const std::string& shared = classes["sched_get_priority_min"].second;
  EXPECT_TRUE(shared.ends_with("issue sched_getscheduler")) << shared;
  EXPECT_NE(classes["times"].second.find("report_error"), std::string::npos);
  EXPECT_NE(classes["times"].second.find("below main, which ran"), std::string::npos)
      << classes["times"].second;
  EXPECT_NE(classes["sysfs"].second.find("rare_option"), std::string::npos);
  EXPECT_NE(classes["syslog"].second.find("pointer_only"), std::string::npos);
  EXPECT_GT(report["static_sites_ran"].get<int>(), 0);
  int counted = 0;
  for (const auto& [key, n] : report["counts"].items()) counted += n.get<int>();
  EXPECT_EQ(counted, static_cast<int>(classes.size()));

  CommandResult text = RunCommand({SysfenceBinary(), "compare", "--explain", "--cache-dir",
                                   cache_.path(), static_profile, dynamic});  // either order
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("only through an indirect call:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("syslog: only through an indirect call"), std::string::npos);
  std::string html_path = scratch_.path() + "/explain.html";
  CommandResult html =
      RunCommand({SysfenceBinary(), "compare", "--explain", "--cache-dir", cache_.path(),
                  "--format", "html", "-o", html_path, dynamic, static_profile});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::string page = ReadWholeFile(html_path);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("error or rare path"), std::string::npos);

  // Without sites (an older trace): classified still, with a warning; nothing "on another
  // path" can be shown.
  dynamic_json.erase("sites");
  std::string old = scratch_.path() + "/old.json";
  WriteWholeFile(old, dynamic_json.dump());
  CommandResult weaker = RunCommand({SysfenceBinary(), "compare", "--explain", "--cache-dir",
                                     cache_.path(), "--format", "json", old, static_profile});
  ASSERT_EQ(weaker.exit_code, 0) << weaker.err;
  EXPECT_NE(weaker.err.find("keeps no syscall sites"), std::string::npos) << weaker.err;
  EXPECT_EQ(json::parse(weaker.out)["counts"]["other_path"].get<int>(), 0);

  // Bad input: two static profiles, a missing file, csv.
  CommandResult two_static =
      RunCommand({SysfenceBinary(), "compare", "--explain", static_profile, static_profile});
  EXPECT_EQ(two_static.exit_code, 2);
  EXPECT_NE(two_static.err.find("needs a traced profile"), std::string::npos) << two_static.err;
  CommandResult missing =
      RunCommand({SysfenceBinary(), "compare", "--explain", dynamic, "/nonexistent.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent.json"), std::string::npos);
  CommandResult csv = RunCommand(
      {SysfenceBinary(), "compare", "--explain", "--format", "csv", dynamic, static_profile});
  EXPECT_EQ(csv.exit_code, 2);
}

}  // namespace
}  // namespace sysfence::testing

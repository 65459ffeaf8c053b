// Why a syscall the static set holds is missing from a trace: the classes `compare --explain`
// gives each static-only call, with the evidence that decided (analysis/static_analysis.h
// computes them from the call graph and the trace's syscall sites; the study reports show
// them). JSON form:
//
//   {"static_sites": 412, "static_sites_ran": 96, "without_sites": false,
//    "counts": {"other_path": 3, "rare_path": 20, "indirect_only": 9, "machinery": 11},
//    "calls": [{"syscall": "mkdir", "class": "rare_path", "evidence": "...",
//               "path": ["...", "..."]}, ...],
//    "sites": [{"image": "/usr/lib/.../libc.so.6", "function": "mkdir", "address": "0xf8b05",
//               "syscalls": ["mkdir"], "ran": false}, ...]}
#ifndef SYSFENCE_PROFILE_STATIC_ONLY_H_
#define SYSFENCE_PROFILE_STATIC_ONLY_H_

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "profile/syscall_set.h"

namespace sysfence {

// In the order of how surely a call is real, surest first.
enum class StaticOnlyClass {
  // A function holding one of its sites ran in the traces (a site of another call in it ran).
  kOtherPath,
  // Its sites sit behind code that ran, on branches the traces did not take.
  kRarePath,
  // Every static path to it passes an address-taken function called through a pointer: the
  // analysis' over-approximation.
  kIndirectOnly,
  // Start-up, exit, the loader, dlopen, NSS, locale code, the vDSO's fallbacks and calls the
  // kernel makes.
  kMachinery,
};
inline constexpr std::array<StaticOnlyClass, 4> kStaticOnlyClasses = {
    StaticOnlyClass::kOtherPath, StaticOnlyClass::kRarePath, StaticOnlyClass::kIndirectOnly,
    StaticOnlyClass::kMachinery};

// "other_path", "rare_path", "indirect_only", "machinery".
std::string_view StaticOnlyClassKey(StaticOnlyClass c);
// "reachable on another path", "error or rare path", "only through an indirect call",
// "loader or libc machinery".
std::string_view StaticOnlyClassTitle(StaticOnlyClass c);

struct StaticOnlyCall {
  int number = -1;
  StaticOnlyClass kind = StaticOnlyClass::kMachinery;
  std::string evidence;           // what decided, one sentence
  std::vector<std::string> path;  // the static path it rests on, one call per line
};

// One syscall site of the static analysis, and whether the trace saw it run.
struct SiteCoverage {
  std::string image;     // the object holding it
  std::string function;  // the function holding it
  uint64_t address = 0;  // the `syscall` instruction, in the object's addresses
  SyscallSet calls;      // what static analysis says it issues
  bool ran = false;
};

struct StaticOnlyReport {
  std::string target;
  int static_sites = 0;        // syscall sites the static analysis reaches
  int static_sites_ran = 0;    // of those, how many the trace saw run
  bool without_sites = false;  // the trace kept no sites (an older profile): classes are weaker
  std::vector<StaticOnlyCall> calls;  // by syscall name
  std::vector<SiteCoverage> sites;    // every reached site, in the analysis' order

  int Count(StaticOnlyClass c) const;
};

nlohmann::json StaticOnlyToJson(const StaticOnlyReport& report);
// Strict: a wrong shape or an unknown class or syscall names `source`.
Result<StaticOnlyReport> StaticOnlyFromJson(const nlohmann::json& json, std::string_view source);
// The text form: the counts and shares, then each call with its evidence and path.
std::string StaticOnlyToText(const StaticOnlyReport& report);

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_STATIC_ONLY_H_

// Test profiles from traced runs (see traced_profile.h).
#include "traced_profile.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "test_util.h"

namespace sysfence::testing {

bool SysfenceCanTrace() {
  // The filter tests build their profiles from strace logs: that keeps them independent of
  // sysfence's own tracer, which has tests of its own.
  return false;
}

std::set<std::string> SyscallNamesInStraceLog(const std::string& log) {
  // "123 openat(...", "123 <... read resumed>...", "openat(..." (without -f pids).
  static const std::regex line_start(R"(^(?:\d+ +)?(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>))");
  std::set<std::string> names;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (!std::regex_search(line, match, line_start)) continue;
    std::string name = match[1];
    if (name.starts_with("syscall_0x")) {
      name = "syscall_" + std::to_string(std::stoul(name.substr(10), nullptr, 16));
    }
    names.insert(name);
  }
  return names;
}

int TracedProfile::Trace(const std::vector<std::string>& argv, const std::string& input) {
  std::string output = path_ + ".trace" + std::to_string(traces_++);
  std::vector<std::string> command;
  if (SysfenceCanTrace()) {
    command = {SysfenceBinary(), "trace", "-o", output, "--"};
  } else {
    command = {"strace", "-f", "-qq", "-o", output, "--"};
  }
  command.insert(command.end(), argv.begin(), argv.end());
  CommandResult result = RunCommand(command, 120, input);
  EXPECT_FALSE(result.timed_out) << argv[0];
  std::string text = ReadWholeFile(output);
  if (SysfenceCanTrace()) {
    for (const auto& name : nlohmann::json::parse(text)["syscalls"]) names_.insert(name);
  } else {
    std::set<std::string> names = SyscallNamesInStraceLog(text);
    names_.insert(names.begin(), names.end());
  }
  return result.exit_code;
}

void TracedProfile::Write(const std::string& extra) const {
  nlohmann::json names = names_;
  std::string json = R"({"sysfence": 1, "kind": "dynamic", "target": ")" + target_ +
                     R"(", "syscalls": )" + names.dump();
  if (!extra.empty()) json += ", " + extra;
  json += "}\n";
  WriteWholeFile(path_, json);
}

}  // namespace sysfence::testing

// Test profiles from traced runs (see traced_profile.h).
#include "traced_profile.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace sysfence::testing {

int TracedProfile::Trace(const std::vector<std::string>& argv, const std::string& input) {
  std::string output = path_ + ".trace" + std::to_string(traces_++);
  std::vector<std::string> command = {SysfenceBinary(), "trace", "-o", output, "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  CommandResult result = RunCommand(command, 120, input);
  EXPECT_FALSE(result.timed_out) << argv[0];
  // Held in a variable: a range-for over a member of a temporary would iterate a destroyed
  // document (the temporary dies before the loop body runs).
  nlohmann::json traced = nlohmann::json::parse(ReadWholeFile(output));
  for (const auto& name : traced["syscalls"]) names_.insert(name);
  // Every traced call of the argument table left its values: the union is the union.
  nlohmann::json args = traced.value("args", nlohmann::json::object());
  for (const auto& [call, arguments] : args.items()) {
    for (const auto& [argument, values] : arguments.items()) {
      for (const auto& value : values) args_[call][argument].insert(value.get<std::string>());
    }
  }
  return result.exit_code;
}

void TracedProfile::Write(const std::string& extra) const {
  nlohmann::json names = names_;
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [call, arguments] : args_) {
    if (names_.contains(call)) args[call] = arguments;
  }
  std::string json = R"({"sysfence": )" + std::string(args.empty() ? "1" : "2") +
                     R"(, "kind": "dynamic", "target": ")" + target_ + R"(", "syscalls": )" +
                     names.dump();
  if (!args.empty()) json += R"(, "args": )" + args.dump();
  if (!extra.empty()) json += ", " + extra;
  json += "}\n";
  WriteWholeFile(path_, json);
}

}  // namespace sysfence::testing

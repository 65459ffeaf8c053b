// `sysfence names NUMBER...` and `sysfence numbers NAME...`: the x86-64 table from the shell.
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "syscalls/syscall_table.h"

namespace sysfence::cli {
namespace {

struct NamesOptions {
  std::vector<std::string> values;
  bool i386 = false;
};

Result<int> ParseNumber(const std::string& text) {
  if (text.empty() || text.size() > 9) return MakeError("'{}' is not a syscall number", text);
  int base = 10;
  std::string_view digits = text;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    base = 16;
    digits.remove_prefix(2);
  }
  int value = 0;
  for (char c : digits) {
    int d = (c >= '0' && c <= '9')                 ? c - '0'
            : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (base == 16 && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                   : -1;
    if (d < 0) return MakeError("'{}' is not a syscall number", text);
    value = value * base + d;
  }
  if (digits.empty()) return MakeError("'{}' is not a syscall number", text);
  return value;
}

int RunNames(const NamesOptions& options) {
  int status = 0;
  for (const std::string& text : options.values) {
    Result<int> number = ParseNumber(text);
    if (!number.ok()) return ReportError(number.error());
    std::string_view name = options.i386 ? I386SyscallName(*number) : SyscallName(*number);
    if (name.empty()) {
      fmt::print(stderr, "sysfence: {} is not an {} syscall number\n", text,
                 options.i386 ? "i386" : "x86-64");
      status = kExitFailure;
      continue;
    }
    fmt::print("{}\n", name);
  }
  return status;
}

int RunNumbers(const NamesOptions& options) {
  int status = 0;
  for (const std::string& name : options.values) {
    std::optional<int> number = options.i386 ? I386SyscallNumber(name) : SyscallNumber(name);
    if (!number) {
      fmt::print(stderr, "sysfence: '{}' is not an {} syscall name\n", name,
                 options.i386 ? "i386" : "x86-64");
      status = kExitFailure;
      continue;
    }
    fmt::print("{}\n", *number);
  }
  return status;
}

}  // namespace

void RegisterNamesVerbs(CLI::App& app, VerbAction& action) {
  auto names_options = std::make_shared<NamesOptions>();
  CLI::App* names = app.add_subcommand("names", "Print the names of x86-64 syscall numbers.");
  names->add_option("NUMBER", names_options->values, "Syscall numbers (decimal or 0x hex)")
      ->required();
  names->add_flag("--i386", names_options->i386, "Use the i386 (int 0x80) table");
  names->callback(
      [names_options, &action] { action = [names_options] { return RunNames(*names_options); }; });

  auto numbers_options = std::make_shared<NamesOptions>();
  CLI::App* numbers = app.add_subcommand("numbers", "Print the numbers of x86-64 syscall names.");
  numbers->add_option("NAME", numbers_options->values, "Syscall names")->required();
  numbers->add_flag("--i386", numbers_options->i386, "Use the i386 (int 0x80) table");
  numbers->callback([numbers_options, &action] {
    action = [numbers_options] { return RunNumbers(*numbers_options); };
  });
}

}  // namespace sysfence::cli

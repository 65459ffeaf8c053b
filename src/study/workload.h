// Study workloads: the runs listed in study/*/runs.txt and study/ssh/sessions.txt, one per line
// as "NAME | COMMAND", with {placeholders} filled in and words split like a shell does
// ('...' and "..." quoting, a trailing "< FILE" for standard input; nothing else is special).
//
//   Result<std::vector<Workload>> runs = ParseWorkloads(text, "runs.txt", {{"in", "/tmp/x"}});
#ifndef SYSFENCE_STUDY_WORKLOAD_H_
#define SYSFENCE_STUDY_WORKLOAD_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sysfence {

struct Workload {
  std::string name;
  std::vector<std::string> argv;
  std::string stdin_path = "/dev/null";
  std::string command;  // the line as it will run, for the report
};

// Calls `line` with each line of a study text file that says something: trimmed, blank lines
// and #-comments left out, numbered from 1. Stops at the first error and returns it, with
// "SOURCE:LINE: " before its message.
Status ForEachTextLine(std::string_view text, std::string_view source,
                       const std::function<Status(std::string_view line, size_t number)>& line);

// Splits a command line into words; fails on an unterminated quote.
Result<std::vector<std::string>> SplitWords(std::string_view line);

// Replaces every {key} by its value ("{{" is a literal "{"); fails naming an unknown key.
Result<std::string> Substitute(std::string_view text,
                               const std::map<std::string, std::string>& values);

// A runs file's line as written, placeholders not yet filled in.
struct RunTemplate {
  std::string name;
  std::string command;
  size_t line = 0;
};

// The runs of a runs file as written; fails naming SOURCE:LINE on a line without "|".
Result<std::vector<RunTemplate>> ParseRunTemplates(std::string_view text, std::string_view source);

// A run from its command line's words (a trailing "< FILE" for standard input).
Result<Workload> MakeWorkload(std::string name, std::vector<std::string> words,
                              std::string command);

Result<std::vector<Workload>> ParseWorkloads(std::string_view text, std::string_view source,
                                             const std::map<std::string, std::string>& values);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_WORKLOAD_H_

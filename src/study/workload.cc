// Parsing of the study's workload lists (see workload.h).
#include "study/workload.h"

#include "base/text.h"

namespace sysfence {
namespace {}  // namespace

Status ForEachTextLine(std::string_view text, std::string_view source,
                       const std::function<Status(std::string_view line, size_t number)>& line) {
  size_t number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view trimmed = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (trimmed.empty() || trimmed.front() == '#') continue;
    if (Status s = line(trimmed, number); !s.ok()) {
      return s.error().WithContext(fmt::format("{}:{}", source, number));
    }
  }
  return Ok{};
}

Result<std::vector<std::string>> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) return MakeError("unterminated {} quote", quote == '"' ? "double" : "single");
  if (in_word) words.push_back(std::move(word));
  return words;
}

Result<std::string> Substitute(std::string_view text,
                               const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {  // "{{" is a literal "{"
      out += '{';
      i += 2;
      continue;
    }
    size_t close = text.find('}', i);
    if (close == std::string_view::npos) return MakeError("unclosed '{{' in '{}'", text);
    std::string key(text.substr(i + 1, close - i - 1));
    auto it = values.find(key);
    if (it == values.end()) return MakeError("unknown placeholder {{{}}}", key);
    out += it->second;
    i = close + 1;
  }
  return out;
}

Result<std::vector<RunTemplate>> ParseRunTemplates(std::string_view text, std::string_view source) {
  std::vector<RunTemplate> runs;
  Status parsed =
      ForEachTextLine(text, source, [&](std::string_view line, size_t number) -> Status {
        size_t bar = line.find('|');
        if (bar == std::string_view::npos) return Error("expected NAME | COMMAND");
        runs.push_back({.name = std::string(Trim(line.substr(0, bar))),
                        .command = std::string(Trim(line.substr(bar + 1))),
                        .line = number});
        return Ok{};
      });
  if (!parsed.ok()) return parsed.error();
  return runs;
}

Result<Workload> MakeWorkload(std::string name, std::vector<std::string> words,
                              std::string command) {
  Workload workload;
  workload.name = std::move(name);
  if (words.size() >= 2 && words[words.size() - 2] == "<") {
    workload.stdin_path = words.back();
    words.resize(words.size() - 2);
  }
  if (workload.name.empty() || words.empty()) return Error("empty name or command");
  workload.argv = std::move(words);
  workload.command = std::move(command);
  return workload;
}

Result<std::vector<Workload>> ParseWorkloads(std::string_view text, std::string_view source,
                                             const std::map<std::string, std::string>& values) {
  Result<std::vector<RunTemplate>> runs = ParseRunTemplates(text, source);
  if (!runs.ok()) return runs.error();
  std::vector<Workload> workloads;
  for (const RunTemplate& run : *runs) {
    Result<std::string> command = Substitute(run.command, values);
    Result<std::vector<std::string>> words =
        command.ok() ? SplitWords(*command) : Result<std::vector<std::string>>(command.error());
    Result<Workload> workload = words.ok() ? MakeWorkload(run.name, std::move(*words), *command)
                                           : Result<Workload>(words.error());
    if (!workload.ok()) return workload.error().WithContext(fmt::format("{}:{}", source, run.line));
    workloads.push_back(std::move(*workload));
  }
  if (workloads.empty()) return MakeError("{}: no workloads", source);
  return workloads;
}

}  // namespace sysfence

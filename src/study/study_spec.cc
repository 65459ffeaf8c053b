// Parsing of study.txt (see study_spec.h): one directive per line, words split like the runs
// files (study/workload.h), each directive checked for its number of words as it is read, so
// that a mistake is reported with its line before a study spends minutes running.
#include "study/study_spec.h"

#include <signal.h>
#include <string.h>

#include <charconv>
#include <filesystem>

#include "base/file_util.h"
#include "base/text.h"
#include "study/workload.h"

namespace sysfence {
namespace {

std::optional<int> SignalNumber(std::string_view name) {
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (int number = 1; number < NSIG; ++number) {
    const char* abbreviation = sigabbrev_np(number);
    if (abbreviation != nullptr && name == abbreviation) return number;
  }
  return std::nullopt;
}

// The rest of a line after its first `count` words, as written (for commands and titles,
// whose placeholders are filled in later).
std::string_view RestAfterWords(std::string_view line, size_t count) {
  size_t at = 0;
  for (size_t word = 0; word < count; ++word) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    char quote = 0;
    while (at < line.size() && (quote != 0 || (line[at] != ' ' && line[at] != '\t'))) {
      if (quote == 0 && (line[at] == '"' || line[at] == '\'')) {
        quote = line[at];
      } else if (quote != 0 && line[at] == quote) {
        quote = 0;
      }
      ++at;
    }
  }
  while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  return line.substr(at);
}

class SpecParser {
 public:
  explicit SpecParser(std::string source) : source_(std::move(source)) {}

  Result<StudySpec> Parse(std::string_view text) {
    Status parsed = ForEachTextLine(text, source_, [&](std::string_view line, size_t number) {
      // A title is prose: taken as written, apostrophes and all.
      if (line.starts_with("title ") || line.starts_with("title\t")) {
        spec_.title = std::string(TrimLeft(line.substr(6)));
        return Status(Ok{});
      }
      Result<std::vector<std::string>> words = SplitWords(line);
      return words.ok() ? Directive(*words, line, number) : Status(words.error());
    });
    if (!parsed.ok()) return parsed.error();
    return Finish();
  }

 private:
  Status Directive(const std::vector<std::string>& w, std::string_view line, size_t number) {
    const std::string& d = w[0];
    auto need = [&](size_t at_least, std::string_view form) -> Status {
      if (w.size() < at_least) return MakeError("expected '{}'", form);
      return Ok{};
    };
    if (d == "title") {
      return MakeError("expected 'title TEXT'");
    } else if (d == "requires") {
      if (Status s = need(2, "requires root | requires PROGRAM..."); !s.ok()) return s;
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] == "root") {
          spec_.requires_root = true;
        } else {
          spec_.required_programs.push_back(w[i]);
        }
      }
    } else if (d == "packages") {
      if (Status s = need(2, "packages PACKAGE..."); !s.ok()) return s;
      spec_.packages.insert(spec_.packages.end(), w.begin() + 1, w.end());
    } else if (d == "ports") {
      if (Status s = need(2, "ports NAME..."); !s.ok()) return s;
      spec_.ports.insert(spec_.ports.end(), w.begin() + 1, w.end());
    } else if (d == "inputs" || d == "setup") {
      if (w.size() != 2) return MakeError("expected '{} SCRIPT'", d);
      (d == "inputs" ? spec_.inputs_script : spec_.setup_script) = w[1];
    } else if (d == "program") {
      if (w.size() != 3) return MakeError("expected 'program NAME BINARY'");
      if (spec_.FindProgram(w[1]) != nullptr) return MakeError("program '{}' twice", w[1]);
      ProgramSpec program;
      program.name = w[1];
      program.binary = w[2];
      spec_.programs.push_back(std::move(program));
    } else if (d == "runs" || d == "phases") {
      bool runs = d == "runs";
      if (w.size() != 3 && !(runs && w.size() == 4)) {
        return MakeError("expected '{}'",
                         runs ? "runs PROGRAM FILE [must-succeed]" : "phases PROGRAM FILE");
      }
      Result<ProgramSpec*> program = Program(w[1]);
      if (!program.ok()) return program.error();
      if (runs && w.size() == 4 && w[3] != "must-succeed") {
        return MakeError("'{}': expected must-succeed", w[3]);
      }
      std::string& file = runs ? (*program)->runs_file : (*program)->phases_file;
      if (!file.empty()) return MakeError("{} of '{}' given twice", d, w[1]);
      file = w[2];
      if (runs) (*program)->runs_must_succeed = w.size() == 4;
    } else if (d == "service" || d == "helper") {
      bool service = d == "service";
      if (Status s = need(service ? 3 : 2, service ? "service PROGRAM COMMAND" : "helper COMMAND");
          !s.ok()) {
        return s;
      }
      ServiceSpec spec;
      spec.line = static_cast<int>(number);
      if (service) {
        Result<ProgramSpec*> program = Program(w[1]);
        if (!program.ok()) return program.error();
        spec.program = w[1];
      }
      spec.command = std::string(RestAfterWords(line, service ? 2 : 1));
      spec_.services.push_back(std::move(spec));
    } else if (d == "ready") {
      if (spec_.services.empty()) return MakeError("'ready' before any service or helper");
      if (w.size() != 3) return MakeError("expected 'ready tcp PORT|unix PATH|file PATH'");
      ReadyCheck& ready = spec_.services.back().ready;
      if (w[1] == "tcp") {
        ready.kind = ReadyCheck::Kind::kTcp;
      } else if (w[1] == "unix") {
        ready.kind = ReadyCheck::Kind::kUnix;
      } else if (w[1] == "file") {
        ready.kind = ReadyCheck::Kind::kFile;
      } else {
        return MakeError("'{}': expected tcp, unix or file", w[1]);
      }
      ready.target = w[2];
    } else if (d == "stop") {
      if (spec_.services.empty()) return MakeError("'stop' before any service or helper");
      ServiceSpec& service = spec_.services.back();
      if (w.size() == 3 && w[1] == "signal") {
        std::optional<int> signal = SignalNumber(w[2]);
        if (!signal) return MakeError("'{}' is not a signal name", w[2]);
        service.stop_signal = *signal;
      } else if (w.size() >= 3 && w[1] == "command") {
        service.stop_command = std::string(RestAfterWords(line, 2));
      } else {
        return MakeError("expected 'stop signal NAME' or 'stop command COMMAND'");
      }
    } else if (d == "combine") {
      if (Status s = need(4, "combine NAME PROGRAM PROGRAM..."); !s.ok()) return s;
      CombinedSpec combined{.name = w[1], .programs = {}};
      for (size_t i = 2; i < w.size(); ++i) {
        if (Result<ProgramSpec*> p = Program(w[i]); !p.ok()) return p.error();
        combined.programs.push_back(w[i]);
      }
      spec_.combined.push_back(std::move(combined));
    } else if (d == "poster") {
      if (w.size() != 5) return MakeError("expected 'poster PROGRAM MEASURE VALUE LABEL'");
      if (spec_.FindProgram(w[1]) == nullptr && !IsCombined(w[1])) {
        return MakeError("'{}' is not a program of the study (a program or combine line first)",
                         w[1]);
      }
      if (w[2] != "dynamic" && w[2] != "static" &&
          !(w[2].starts_with("phase:") && w[2].size() > 6)) {
        return MakeError("'{}': expected dynamic, static or phase:NAME", w[2]);
      }
      double value = 0;
      auto [end, error] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), value);
      if (error != std::errc() || end != w[3].data() + w[3].size() || value < 0) {
        return MakeError("'{}' is not a number", w[3]);
      }
      spec_.poster.push_back({.program = w[1], .measure = w[2], .value = value, .label = w[4]});
    } else if (d == "judged") {
      if (w.size() != 3) return MakeError("expected 'judged PROGRAM WORDS'");
      if (Result<ProgramSpec*> p = Program(w[1]); !p.ok()) return p.error();
      spec_.judged[w[1]] = w[2];
    } else {
      return MakeError("unknown directive '{}' (see docs/STUDY.md)", d);
    }
    return Ok{};
  }

  bool IsCombined(std::string_view name) const {
    for (const CombinedSpec& c : spec_.combined) {
      if (c.name == name) return true;
    }
    return false;
  }

  Result<ProgramSpec*> Program(std::string_view name) {
    for (ProgramSpec& program : spec_.programs) {
      if (program.name == name) return &program;
    }
    return MakeError("'{}' is not a program of the study (a program line first)", name);
  }

  Result<StudySpec> Finish() {
    auto fail = [&](const Error& error) { return error.WithContext(source_); };
    if (spec_.programs.empty()) return fail(Error("no program line"));
    for (const ProgramSpec& program : spec_.programs) {
      bool served = false;
      for (const ServiceSpec& s : spec_.services) served = served || s.program == program.name;
      if (program.runs_file.empty() && !served) {
        return fail(MakeError("program '{}' has neither runs nor a service", program.name));
      }
    }
    for (const ServiceSpec& service : spec_.services) {
      if (service.ready.kind == ReadyCheck::Kind::kNone) {
        return fail(
            MakeError("the service or helper of line {} has no 'ready' line", service.line));
      }
    }
    return std::move(spec_);
  }

  std::string source_;
  StudySpec spec_;
};

}  // namespace

const ProgramSpec* StudySpec::FindProgram(std::string_view program_name) const {
  for (const ProgramSpec& program : programs) {
    if (program.name == program_name) return &program;
  }
  return nullptr;
}

Result<StudySpec> ParseStudySpec(std::string_view text, const std::string& source) {
  return SpecParser(source).Parse(text);
}

Result<StudySpec> LoadStudySpec(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return MakeError("{}: not a study directory (a directory with a study.txt)", dir);
  }
  std::string source = dir + "/study.txt";
  Result<std::string> text = ReadFile(source);
  if (!text.ok()) return text.error().WithContext("a study directory needs a study.txt");
  Result<StudySpec> spec = ParseStudySpec(*text, source);
  if (!spec.ok()) return spec.error();
  spec->dir = dir;
  spec->name = fs::path(dir).lexically_normal().filename().string();
  if (spec->name.empty()) spec->name = fs::path(dir).lexically_normal().parent_path().filename();
  if (spec->title.empty()) spec->title = spec->name;
  std::vector<std::string> files = {spec->inputs_script, spec->setup_script};
  for (const ProgramSpec& program : spec->programs) {
    files.push_back(program.runs_file);
    files.push_back(program.phases_file);
  }
  for (const std::string& file : files) {
    if (file.empty()) continue;
    if (file.find("..") != std::string::npos || file.front() == '/') {
      return MakeError("{}: '{}' must name a file inside the study directory", source, file);
    }
    if (!fs::is_regular_file(dir + "/" + file, error)) {
      return MakeError("{}: names {}, which is not in {}", source, file, dir);
    }
  }
  return spec;
}

Result<std::vector<std::string>> ParsePhaseTriggers(std::string_view text,
                                                    const std::string& source) {
  std::vector<std::string> args;
  Status parsed = ForEachTextLine(text, source, [&](std::string_view line, size_t) -> Status {
    if (line.starts_with("first ")) {
      args.push_back("--first-phase");
      args.emplace_back(TrimLeft(line.substr(6)));
    } else if (size_t equals = line.find('='); equals != std::string_view::npos && equals > 0) {
      args.push_back("--phase");
      args.emplace_back(line);
    } else {
      return Error("expected 'first NAME' or 'NAME=TRIGGER'");
    }
    return Ok{};
  });
  if (!parsed.ok()) return parsed.error();
  return args;
}

}  // namespace sysfence

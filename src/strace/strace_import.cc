// From LOG arguments to one Profile (see strace_import.h): find the runs (a log file, or a set
// of -ff files), parse each file with StraceLogParser, join the files of a -ff run through
// their fork return values, and merge the runs.
//
// How -ff files are told apart from separate runs: files named PREFIX.N with the same PREFIX
// (given one by one, or found in a directory) are one candidate set. A file with pid prefixes
// is a whole `strace -f` log, so a run of its own. The rest are joined wherever one file's fork
// returned another file's pid; each connected group is one run (so `strace -o x.1` and
// `strace -o x.2` of two commands stay two runs).
#include "strace/strace_import.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

#include "profile/merge.h"
#include "strace/line_reader.h"
#include "strace/strace_log_parser.h"

namespace sysfence {
namespace {

class WarningCollector {
 public:
  WarningCollector(StraceImportReport* report, size_t limit) : report_(report), limit_(limit) {}

  StraceLogParser::WarningSink SinkFor(std::string file) {
    return [this, file = std::move(file)](uint64_t line, std::string message) {
      ++report_->warning_count;
      if (report_->warnings.size() < limit_) {
        report_->warnings.push_back(StraceWarning{file, line, std::move(message)});
      }
    };
  }

 private:
  StraceImportReport* report_;
  size_t limit_;
};

// One log file of a run; `ff_pid` is the N of a PREFIX.N name.
struct LogFile {
  std::string path;
  std::optional<int> ff_pid;
  StraceLog log;
};

Status CheckLog(std::string_view name, uint64_t bytes, const StraceLog& log) {
  if (bytes == 0) return MakeError("{}: empty file, not an strace log", name);
  if (log.recognised_lines == 0) {
    return MakeError("{}: not an strace log (no line in it is strace output)", name);
  }
  return Ok{};
}

Result<StraceLog> ParseLogFile(const std::string& path, WarningCollector& warnings,
                               StraceImportReport* report) {
  Result<LineReader> reader = LineReader::Open(path);
  if (!reader.ok()) return reader.error();
  std::string name = path == "-" ? "standard input" : path;
  StraceLogParser parser(warnings.SinkFor(name));
  while (std::optional<std::string_view> line = reader->Next()) {
    parser.AddLine(*line, reader->line_number(), reader->line_unterminated());
  }
  if (!reader->status().ok()) return reader->status().error();
  report->lines += reader->line_number();
  report->bytes += reader->bytes_read();
  StraceLog log = std::move(parser).Finish();
  Status usable = CheckLog(name, reader->bytes_read(), log);
  if (!usable.ok()) return usable.error();
  return log;
}

// "trace.1234" -> ("trace", 1234).
std::optional<std::pair<std::string, int>> SplitFfName(const std::string& path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string::npos || dot + 1 >= path.size() || dot == 0 ||
      (slash != std::string::npos && dot <= slash + 1)) {
    return std::nullopt;
  }
  std::string_view digits = std::string_view(path).substr(dot + 1);
  if (digits.size() > 9) return std::nullopt;
  int pid = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  return std::make_pair(path.substr(0, dot), pid);
}

// The LOG arguments as candidate sets: a plain file alone; PREFIX.N files with one PREFIX
// together, whether named one by one or found in a directory.
Result<std::vector<std::vector<LogFile>>> FindCandidateSets(const std::vector<std::string>& paths) {
  std::vector<std::vector<LogFile>> sets;
  std::map<std::string, size_t> set_of_prefix;
  auto add = [&](const std::string& path) {
    std::optional<std::pair<std::string, int>> ff = SplitFfName(path);
    if (!ff) {
      sets.push_back({LogFile{path, std::nullopt, {}}});
      return;
    }
    auto [it, inserted] = set_of_prefix.emplace(ff->first, sets.size());
    if (inserted) sets.emplace_back();
    sets[it->second].push_back(LogFile{path, ff->second, {}});
  };
  for (const std::string& path : paths) {
    if (path == "-") {
      sets.push_back({LogFile{path, std::nullopt, {}}});
      continue;
    }
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return MakeError("{}: {}", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
      add(path);
      continue;
    }
    std::vector<std::string> entries;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      std::error_code ignored;
      if (entry.is_regular_file(ignored) && SplitFfName(entry.path().string())) {
        entries.push_back(entry.path().string());
      }
    }
    if (error) return MakeError("{}: {}", path, error.message());
    if (entries.empty()) {
      return MakeError("{}: no strace -ff files (PREFIX.PID) in this directory", path);
    }
    std::sort(entries.begin(), entries.end());
    for (const std::string& entry : entries) add(entry);
  }
  for (std::vector<LogFile>& set : sets) {
    std::stable_sort(set.begin(), set.end(), [](const LogFile& a, const LogFile& b) {
      return a.ff_pid.value_or(0) < b.ff_pid.value_or(0);
    });
  }
  return sets;
}

// Splits a parsed candidate set into runs (see the comment at the top of the file).
std::vector<std::vector<LogFile>> SplitIntoRuns(std::vector<LogFile> set) {
  std::vector<std::vector<LogFile>> runs;
  std::vector<LogFile> per_pid;
  for (LogFile& file : set) {
    if (file.log.has_pid_prefixes || !file.ff_pid || set.size() == 1) {
      runs.push_back({});
      runs.back().push_back(std::move(file));
    } else {
      per_pid.push_back(std::move(file));
    }
  }
  std::vector<size_t> group(per_pid.size());
  std::iota(group.begin(), group.end(), 0);
  auto find = [&](size_t i) {
    while (group[i] != i) i = group[i] = group[group[i]];
    return i;
  };
  std::map<int, size_t> file_of_pid;
  for (size_t i = 0; i < per_pid.size(); ++i) file_of_pid.emplace(*per_pid[i].ff_pid, i);
  for (size_t i = 0; i < per_pid.size(); ++i) {
    for (const auto& [child_pid, node] : per_pid[i].log.children) {
      auto child = file_of_pid.find(child_pid);
      if (child != file_of_pid.end()) group[find(child->second)] = find(i);
    }
  }
  std::map<size_t, size_t> run_of_group;
  for (size_t i = 0; i < per_pid.size(); ++i) {
    auto [it, inserted] = run_of_group.emplace(find(i), runs.size());
    if (inserted) runs.emplace_back();
    runs[it->second].push_back(std::move(per_pid[i]));
  }
  return runs;
}

// Joins the files of one run into one image graph and makes the run's profile.
Profile BuildRunProfile(std::vector<LogFile> files) {
  ImageGraph graph;
  std::vector<ImageGraph::NodeId> offsets;
  std::map<int, size_t> file_of_pid;
  for (size_t i = 0; i < files.size(); ++i) {
    offsets.push_back(graph.Absorb(std::move(files[i].log.graph)));
    if (files.size() > 1 && files[i].ff_pid) file_of_pid.emplace(*files[i].ff_pid, i);
  }
  // A -ff file's process started in whatever image its parent's file had when it forked.
  for (size_t i = 0; i < files.size(); ++i) {
    for (const auto& [child_pid, node] : files[i].log.children) {
      auto child = file_of_pid.find(child_pid);
      if (child == file_of_pid.end() || child->second == i) continue;
      const LogFile& child_file = files[child->second];
      graph.SetParent(child_file.log.root_node + offsets[child->second], node + offsets[i]);
    }
    for (const auto& [node, thread_pid] : files[i].log.exec_paths_from) {
      auto thread = file_of_pid.find(thread_pid);
      if (thread == file_of_pid.end()) continue;
      const std::string& path = files[thread->second].log.unfinished_exec_path;
      if (!path.empty()) graph.SetPath(node + offsets[i], path);
    }
  }
  // The run's first process is the one whose start no other file shows.
  size_t root = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!graph.HasParent(files[i].log.root_node + offsets[i])) {
      root = i;
      break;
    }
  }

  Profile profile;
  profile.kind = ProfileKind::kDynamic;
  profile.runs = 1;
  const StraceLog& root_log = files[root].log;
  profile.target = root_log.root_first_exec;
  for (size_t i = 0; profile.target.empty() && i < files.size(); ++i) {
    profile.target = files[(root + i) % files.size()].log.first_exec;
  }
  profile.exit_status = root_log.root_exit_status.value_or(-1);
  graph.RecordInto(profile);
  for (const LogFile& file : files) {
    for (const auto& [name, count] : file.log.compat_i386) profile.compat_i386[name] += count;
  }
  profile.MarkSeenInOneRun();
  return profile;
}

Result<Profile> CombineRuns(std::vector<Profile> runs) {
  if (runs.size() == 1) return std::move(runs.front());
  Result<Profile> merged = MergeProfiles(runs);
  if (!merged.ok()) return merged.error();
  // Still what a tracer saw, over several runs.
  merged->kind = ProfileKind::kDynamic;
  bool same_status = std::all_of(runs.begin(), runs.end(), [&](const Profile& p) {
    return p.exit_status == runs.front().exit_status;
  });
  merged->exit_status = same_status ? runs.front().exit_status : -1;
  return merged;
}

}  // namespace

void ResolveImagePaths(Profile& profile) {
  std::map<std::string, SyscallSet> resolved;
  std::map<std::string, ArgumentValues> resolved_args;
  for (const auto& [path, set] : profile.images) {
    std::string key = CanonicalImagePath(path);
    auto own = profile.image_args.find(path);
    ArgumentValues args = own == profile.image_args.end() ? ArgumentValues() : own->second;
    // Two names of one file: a call either left free stays free.
    if (resolved.contains(key)) {
      args = UnionArguments(resolved_args[key], resolved[key], args, set);
    }
    resolved[key] |= set;
    resolved_args[key] = std::move(args);
  }
  std::erase_if(resolved_args, [](const auto& entry) { return entry.second.empty(); });
  profile.images = std::move(resolved);
  profile.image_args = std::move(resolved_args);
  profile.target = CanonicalImagePath(profile.target);
}

Result<Profile> ImportStraceLogs(const std::vector<std::string>& paths, StraceImportReport* report,
                                 const StraceImportOptions& options) {
  StraceImportReport ignored;
  if (report == nullptr) report = &ignored;
  if (paths.empty()) return MakeError("no strace log given");
  Result<std::vector<std::vector<LogFile>>> sets = FindCandidateSets(paths);
  if (!sets.ok()) return sets.error();
  WarningCollector warnings(report, options.max_warnings);
  std::vector<Profile> runs;
  for (std::vector<LogFile>& set : *sets) {
    for (LogFile& file : set) {
      Result<StraceLog> log = ParseLogFile(file.path, warnings, report);
      if (!log.ok()) return log.error();
      file.log = std::move(*log);
    }
    for (std::vector<LogFile>& run : SplitIntoRuns(std::move(set))) {
      runs.push_back(BuildRunProfile(std::move(run)));
    }
  }
  report->runs = static_cast<int>(runs.size());
  Result<Profile> combined = CombineRuns(std::move(runs));
  if (combined.ok() && options.resolve_paths) ResolveImagePaths(*combined);
  return combined;
}

Result<Profile> ImportStraceText(std::string_view text, std::string_view name,
                                 StraceImportReport* report, const StraceImportOptions& options) {
  StraceImportReport ignored;
  if (report == nullptr) report = &ignored;
  WarningCollector warnings(report, options.max_warnings);
  StraceLogParser parser(warnings.SinkFor(std::string(name)));
  uint64_t number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    bool unterminated = end == std::string_view::npos;
    if (unterminated) end = text.size();
    parser.AddLine(text.substr(begin, end - begin), ++number, unterminated);
    begin = end + 1;
  }
  report->lines += number;
  report->bytes += text.size();
  StraceLog log = std::move(parser).Finish();
  Status usable = CheckLog(name, text.size(), log);
  if (!usable.ok()) return usable.error();
  std::vector<LogFile> files;
  files.push_back(LogFile{std::string(name), std::nullopt, std::move(log)});
  report->runs = 1;
  return BuildRunProfile(std::move(files));
}

}  // namespace sysfence

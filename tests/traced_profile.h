// Profiles for integration tests, made by running commands under `sysfence trace` and
// keeping the union of the syscall names the runs made, and of their argument values (so
// that enforcing the profile checks arguments too; a name added by hand takes any).
//
//   TracedProfile profile(dir.File("diff.json"), "/usr/bin/diff");
//   profile.Trace({"diff", "a", "b"});
//   profile.Trace({"diff", "-r", "x", "y"});
//   profile.Write();                       // a profile JSON with the union
#ifndef SYSFENCE_TESTS_TRACED_PROFILE_H_
#define SYSFENCE_TESTS_TRACED_PROFILE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sysfence::testing {

class TracedProfile {
 public:
  TracedProfile(std::string path, std::string target)
      : path_(std::move(path)), target_(std::move(target)) {}

  // Runs `argv` (stdin from `input`) under the tracer and adds what it called. Returns the
  // command's exit status.
  int Trace(const std::vector<std::string>& argv, const std::string& input = "");
  void Add(const std::string& name) { names_.insert(name); }
  void Remove(const std::string& name) { names_.erase(name); }
  // Drops the argument values of `name`: it takes any arguments.
  void AnyArguments(const std::string& name) { args_.erase(name); }
  bool HasArguments() const { return !args_.empty(); }
  bool Contains(const std::string& name) const { return names_.contains(name); }
  // Writes the profile JSON; `extra` is spliced into the top-level object (e.g.
  // "\"compat_syscalls\": {...}").
  void Write(const std::string& extra = "") const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string target_;
  std::set<std::string> names_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> args_;
  int traces_ = 0;
};

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_TRACED_PROFILE_H_

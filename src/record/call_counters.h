// The tracer's tally: calls per syscall number, per executable image, per phase, kept in flat
// arrays so that counting a call is an array increment (no map lookup, no allocation), and
// turned into a Profile once, when the trace ends.
//
//   CallCounters counters;
//   ImageCounters* image = counters.Intern("/usr/bin/diff");   // at exec time
//   image->ForPhase(0).x86_64[__NR_read]++;                      // at every stop
//   RecordArguments(image->ForPhase(0).args, __NR_socket, regs);  // calls of the argument table
//   counters.AddToProfile(&profile);                             // at the end
#ifndef SYSFENCE_RECORD_CALL_COUNTERS_H_
#define SYSFENCE_RECORD_CALL_COUNTERS_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "profile/argument_values.h"
#include "profile/profile.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

// One past the largest i386 number counted (the i386 table ends below 470).
inline constexpr int kI386NumberLimit = 512;

struct CallCounts {
  std::array<uint64_t, kSyscallNumberLimit> x86_64{};
  std::array<uint64_t, kI386NumberLimit> i386{};
  // The argument table's values (x86-64 calls), as the profile keeps them.
  ArgumentValues args;
};

// The calls of one executable image, split by phase (0 = before the first phase, i = the
// profile's phases[i - 1]).
class ImageCounters {
 public:
  explicit ImageCounters(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  CallCounts& ForPhase(int phase) {
    if (phase != cached_phase_) Switch(phase);
    return *cached_;
  }
  // nullptr when nothing was counted in `phase`.
  const CallCounts* Find(int phase) const;
  int PhaseSlots() const { return static_cast<int>(by_phase_.size()); }

 private:
  void Switch(int phase);

  std::string path_;
  std::vector<std::unique_ptr<CallCounts>> by_phase_;
  int cached_phase_ = -1;
  CallCounts* cached_ = nullptr;
};

class CallCounters {
 public:
  // The counters of `path`, created on first use. Pointers stay valid as long as this object.
  ImageCounters* Intern(const std::string& path);

  // Adds every count to `profile`: syscalls, counts, images (every interned image, even one
  // that made no call), the phases already present in profile->phases, and compat_i386; and
  // the argument values, whole, per image and per phase (`with_arguments`: else the profile
  // says nothing of arguments, so that every value is allowed).
  // Returns how many i386 calls had a number the i386 table does not name (not recordable).
  uint64_t AddToProfile(Profile* profile, bool with_arguments = true) const;

 private:
  std::map<std::string, std::unique_ptr<ImageCounters>> images_;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_CALL_COUNTERS_H_

// Converting the tracer's flat counters into a Profile (see call_counters.h). The conversion
// walks each image's phases once; Profile::RecordCall is not used because it always records
// into the last phase, while here every phase's counts are known only at the end.
#include "record/call_counters.h"

namespace sysfence {
namespace {

// Within one recording every call of a table syscall left its values, so joining is a plain
// union (UnionArguments' "any" rule is for profiles that may say nothing).
void AddArguments(const ArgumentValues& args, const std::string& path, Profile* profile,
                  Phase* phase) {
  if (args.empty()) return;
  JoinArguments(profile->args, args);
  JoinArguments(profile->image_args[path], args);
  if (phase != nullptr) JoinArguments(phase->args, args);
}

}  // namespace

void ImageCounters::Switch(int phase) {
  size_t index = static_cast<size_t>(phase);
  if (by_phase_.size() <= index) by_phase_.resize(index + 1);
  if (!by_phase_[index]) by_phase_[index] = std::make_unique<CallCounts>();
  cached_phase_ = phase;
  cached_ = by_phase_[index].get();
}

const CallCounts* ImageCounters::Find(int phase) const {
  size_t index = static_cast<size_t>(phase);
  return index < by_phase_.size() ? by_phase_[index].get() : nullptr;
}

ImageCounters* CallCounters::Intern(const std::string& path) {
  std::unique_ptr<ImageCounters>& slot = images_[path];
  if (!slot) slot = std::make_unique<ImageCounters>(path);
  return slot.get();
}

uint64_t CallCounters::AddToProfile(Profile* profile, bool with_arguments) const {
  uint64_t unnamed_i386 = 0;
  for (const auto& [path, image] : images_) {
    SyscallSet& image_set = profile->images[path];
    for (int phase = 0; phase < image->PhaseSlots(); ++phase) {
      const CallCounts* counts = image->Find(phase);
      if (counts == nullptr) continue;
      Phase* into_phase = nullptr;
      if (phase > 0 && static_cast<size_t>(phase) <= profile->phases.size()) {
        into_phase = &profile->phases[static_cast<size_t>(phase - 1)];
      }
      for (int nr = 0; nr < kSyscallNumberLimit; ++nr) {
        uint64_t n = counts->x86_64[static_cast<size_t>(nr)];
        if (n == 0) continue;
        profile->syscalls.Insert(nr);
        profile->counts[nr] += n;
        image_set.Insert(nr);
        if (into_phase != nullptr) {
          into_phase->syscalls.Insert(nr);
          into_phase->counts[nr] += n;
          into_phase->images[path].Insert(nr);
        }
      }
      if (with_arguments) AddArguments(counts->args, path, profile, into_phase);
      for (int nr = 0; nr < kI386NumberLimit; ++nr) {
        uint64_t n = counts->i386[static_cast<size_t>(nr)];
        if (n == 0) continue;
        std::string_view name = I386SyscallName(nr);
        if (name.empty()) {
          unnamed_i386 += n;
          continue;
        }
        profile->compat_i386[std::string(name)] += n;
      }
    }
  }
  // A value may come without its call's count in a snapshot taken while recording goes on
  // (FinishWith): the profile's arguments name only calls it has.
  RestrictArguments(profile->args, profile->syscalls);
  for (auto& [path, args] : profile->image_args) RestrictArguments(args, profile->images[path]);
  for (Phase& phase : profile->phases) RestrictArguments(phase.args, phase.syscalls);
  return unnamed_i386;
}

}  // namespace sysfence

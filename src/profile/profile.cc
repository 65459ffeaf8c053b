// Profile helpers (see profile.h).
#include "profile/profile.h"

namespace sysfence {
namespace {

constexpr std::pair<ProfileKind, std::string_view> kKindNames[] = {
    {ProfileKind::kDynamic, "dynamic"},
    {ProfileKind::kStatic, "static"},
    {ProfileKind::kMerged, "merged"},
    {ProfileKind::kHybrid, "hybrid"},
};

}  // namespace

std::string_view ProfileKindName(ProfileKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "dynamic";
}

std::optional<ProfileKind> ProfileKindFromName(std::string_view name) {
  for (const auto& [kind, n] : kKindNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

void Profile::RecordCall(const std::string& image, int number, uint64_t times) {
  syscalls.Insert(number);
  counts[number] += times;
  images[image].Insert(number);
  if (!phases.empty()) {
    phases.back().syscalls.Insert(number);
    phases.back().counts[number] += times;
    phases.back().images[image].Insert(number);
  }
}

void Profile::MarkSeenInOneRun() {
  seen_in_runs.clear();
  for (int number : syscalls) seen_in_runs[number] = 1;
}

}  // namespace sysfence

// Per-image soundness (see soundness.h): a set difference per image.
#include "profile/soundness.h"

#include <algorithm>

namespace sysfence {

bool SoundnessReport::Sound() const {
  return std::all_of(images.begin(), images.end(), [](const ImageSoundness& image) {
    return image.Checked() && image.missed.Empty() && image.missed_arguments.empty();
  });
}

std::vector<std::string> TracedImages(const Profile& traced) {
  std::vector<std::string> images;
  for (const auto& [image, set] : traced.images) {
    if (image != kLauncherImage) images.push_back(image);
  }
  return images;
}

SoundnessReport CheckSoundness(const std::map<std::string, SyscallSet>& traced,
                               const std::map<std::string, SyscallSet>& static_sets,
                               const std::map<std::string, ArgumentValues>& traced_args,
                               const std::map<std::string, ArgumentValues>& static_args) {
  SoundnessReport report;
  for (const auto& [image, calls] : traced) {
    if (image == kLauncherImage) continue;
    ImageSoundness checked;
    checked.image = image;
    checked.traced = calls;
    if (auto it = static_sets.find(image); it != static_sets.end()) {
      checked.static_set = it->second;
      checked.missed = calls - it->second;
      auto values = traced_args.find(image);
      auto static_values = static_args.find(image);
      if (values != traced_args.end() && static_values != static_args.end()) {
        SyscallSet both = calls & it->second;
        for (const auto& [syscall, arguments] : values->second) {
          if (!both.Contains(syscall)) continue;
          for (const auto& [index, set] : arguments) checked.traced_arguments += set.size();
        }
        checked.missed_arguments = ArgumentsNotCovered(static_values->second, values->second, both);
      }
    }
    report.images.push_back(std::move(checked));
  }
  return report;
}

}  // namespace sysfence

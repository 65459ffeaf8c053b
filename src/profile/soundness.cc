// Per-image soundness (see soundness.h): a set difference per image.
#include "profile/soundness.h"

#include <algorithm>

namespace sysfence {

bool SoundnessReport::Sound() const {
  return std::all_of(images.begin(), images.end(), [](const ImageSoundness& image) {
    return image.Checked() && image.missed.Empty();
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
                               const std::map<std::string, SyscallSet>& static_sets) {
  SoundnessReport report;
  for (const auto& [image, calls] : traced) {
    if (image == kLauncherImage) continue;
    ImageSoundness checked{.image = image, .traced = calls, .static_set = {}, .missed = {}};
    if (auto it = static_sets.find(image); it != static_sets.end()) {
      checked.static_set = it->second;
      checked.missed = calls - it->second;
    }
    report.images.push_back(std::move(checked));
  }
  return report;
}

}  // namespace sysfence

// The soundness check of static analysis against what really ran, image by image: every call
// a traced executable image made must be in that image's static set, and every argument
// value it passed (for the argument table's calls) in the static values. Tests, the study and
// `sysfence compare --soundness` all check this way; finding each image's static set (running
// the analysis) is the caller's part.
//
//   Profile traced = ReadProfileFile("traced.json").value();       // sysfence trace -o
//   std::map<std::string, SyscallSet> static_sets;                  // image -> static set
//   for (const std::string& image : TracedImages(traced)) static_sets[image] = Analyse(image);
//   SoundnessReport report = CheckSoundness(traced.images, static_sets);
//   // With argument values: image -> values, from traced.image_args and static profiles.
//   report = CheckSoundness(traced.images, static_sets, traced.image_args, static_args);
//   for (const ImageSoundness& image : report.images) image.missed;   // traced, not static
//   report.Sound();   // every image checked, none missed anything
#ifndef SYSFENCE_PROFILE_SOUNDNESS_H_
#define SYSFENCE_PROFILE_SOUNDNESS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "profile/argument_values.h"
#include "profile/profile.h"
#include "profile/syscall_set.h"

namespace sysfence {

struct ImageSoundness {
  std::string image;
  SyscallSet traced;
  std::optional<SyscallSet> static_set;  // nullopt: the caller had no static set for it
  SyscallSet missed;                     // traced but not in static_set
  // Argument values traced but not in the static values (profile/argument_values.h), for
  // the calls both sets have; unchecked when either side has no values for the image.
  std::vector<ArgumentGap> missed_arguments;
  size_t traced_arguments = 0;  // values checked
  bool Checked() const { return static_set.has_value(); }
};

struct SoundnessReport {
  std::vector<ImageSoundness> images;  // in path order
  // Every image was checked and none missed a call.
  bool Sound() const;
};

// The images of a dynamic profile whose static sets are worth checking: every key of its
// `images` but kLauncherImage, whose calls sysfence's (or strace's) launcher made.
std::vector<std::string> TracedImages(const Profile& traced);

// Checks each traced image (kLauncherImage left out) against its static set, and its argument
// values against the static ones where both are given.
SoundnessReport CheckSoundness(const std::map<std::string, SyscallSet>& traced,
                               const std::map<std::string, SyscallSet>& static_sets,
                               const std::map<std::string, ArgumentValues>& traced_args = {},
                               const std::map<std::string, ArgumentValues>& static_args = {});

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_SOUNDNESS_H_

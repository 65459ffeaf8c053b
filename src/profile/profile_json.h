// Reading and writing the profile JSON (version 1, docs/DESIGN.md). Reading is strict: a wrong
// type, an unknown syscall name or an unsupported version is an error that names the file and
// the field; unknown keys are ignored so later versions can add fields.
//
//   Result<Profile> p = ReadProfileFile("diff.json");
//   std::string text = ProfileToJsonText(*p);
//   Status s = WriteProfileFile("-", *p);   // "-" = standard output
#ifndef SYSFENCE_PROFILE_PROFILE_JSON_H_
#define SYSFENCE_PROFILE_PROFILE_JSON_H_

#include <string>
#include <string_view>

#include "base/file_util.h"
#include "base/result.h"
#include "profile/profile.h"

namespace sysfence {

inline constexpr int kProfileFormatVersion = 2;

std::string ProfileToJsonText(const Profile& profile);
// `source` names the input in error messages (a file path, "standard input").
Result<Profile> ProfileFromJsonText(std::string_view text, std::string_view source);

Result<Profile> ReadProfileFile(const std::string& path);
// Writes whole or not at all; "-" or "" means standard output.
Status WriteProfileFile(const std::string& path, const Profile& profile,
                        WriteSync sync = WriteSync::kNow);

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_PROFILE_JSON_H_

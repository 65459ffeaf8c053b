// Reads existing seccomp profiles (an OCI `linux.seccomp` object, a whole OCI config.json,
// or a Docker seccomp profile) back into a Profile, so `sysfence compare` can set a
// container's profile beside a traced or analysed one. The set is what the profile lets an
// x86-64 process run:
//   - allow-list profiles (default action blocks): every name of a rule whose action lets
//     the call run (ALLOW, LOG, TRACE, NOTIFY), with or without argument conditions (the call
//     can run for some arguments); LOG rules also become soft_syscalls (kind "hybrid");
//   - deny-list profiles (default action ALLOW or LOG): every syscall of the table except the
//     names of blocking rules without argument conditions;
//   - Docker rules that apply only on other CPU architectures or only with extra
//     capabilities (includes.arches / includes.caps) are skipped, as Docker skips them on a
//     default amd64 container.
// Names the x86-64 table does not know are ignored (a runtime ignores them too) with a note;
// with SCMP_ARCH_X86 listed, allowed i386 names become compat_i386 calls.
//
//   Result<ImportedSeccomp> imported = ImportSeccompFile("docker-default.json");
//   imported->profile.syscalls;   // what a container may call
//   imported->notes;              // what was ignored, for warnings
#ifndef SYSFENCE_FILTER_SECCOMP_JSON_IMPORT_H_
#define SYSFENCE_FILTER_SECCOMP_JSON_IMPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "profile/profile.h"

namespace sysfence {

struct ImportedSeccomp {
  Profile profile;
  std::vector<std::string> notes;
};

// `source` names the input in errors and becomes the profile's target.
Result<ImportedSeccomp> ImportSeccompJson(std::string_view text, std::string_view source);
Result<ImportedSeccomp> ImportSeccompFile(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_FILTER_SECCOMP_JSON_IMPORT_H_

// Objects a program loads at run time that DT_NEEDED does not name: glibc's NSS back-ends
// (the services /etc/nsswitch.conf lists for the databases the program's lookups use; glibc
// 2.34+ builds "files" and "dns" into libc itself), PAM modules (the ones /etc/pam.d names for
// the services passed to pam_start) and dlopen() calls with a constant name.
//
//   std::map<std::string, std::vector<std::string>> conf = ParseNsswitch(text);
//   for (std::string_view db : NssDatabasesOf("getpwnam")) ...;   // "passwd"
#ifndef SYSFENCE_ANALYSIS_DYNAMIC_LOADING_H_
#define SYSFENCE_ANALYSIS_DYNAMIC_LOADING_H_

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sysfence {

// database -> services, in order; "[NOTFOUND=return]" style actions are dropped.
std::map<std::string, std::vector<std::string>> ParseNsswitch(std::string_view text);

// The NSS databases a lookup function exported by libc consults (empty for other names).
std::span<const std::string_view> NssDatabasesOf(std::string_view function);

// Services glibc implements inside libc.so.6 (no module is loaded for them).
bool IsBuiltinNssService(std::string_view service);

// "libnss_<service>.so.2"
std::string NssModuleName(std::string_view service);

// A PAM module a service's configuration loads.
struct PamModule {
  std::string path;         // absolute, under the sysroot
  std::string config_file;  // the file that names it
};

// The modules /etc/pam.d/<service> names (following @include, include and substack; the
// service "other" when the service has no file). Relative module names live in
// /lib/x86_64-linux-gnu/security. Paths are looked up under `sysroot` (links followed inside it).
std::vector<PamModule> PamServiceModules(const std::string& sysroot, const std::string& service);

// Every service configured in <sysroot>/etc/pam.d.
std::vector<std::string> PamServices(const std::string& sysroot);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_DYNAMIC_LOADING_H_

// NSS configuration and lookup tables (see dynamic_loading.h).
#include "analysis/dynamic_loading.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "base/root_path.h"

namespace sysfence {
namespace {

struct NssEntry {
  std::string_view prefix;  // exported function name, or a prefix of several
  std::vector<std::string_view> databases;
};

// Prefixes match the _r variants too. Not "getgr": getgroups is a system call wrapper and
// consults no database.
const NssEntry kNssEntries[] = {
    {"getpw", {"passwd"}},
    {"setpwent", {"passwd"}},
    {"endpwent", {"passwd"}},
    {"getgrent", {"group"}},
    {"getgrgid", {"group"}},
    {"getgrnam", {"group"}},
    {"setgrent", {"group"}},
    {"endgrent", {"group"}},
    {"initgroups", {"group"}},
    {"getgrouplist", {"group"}},
    {"getsp", {"shadow"}},
    {"setspent", {"shadow"}},
    {"endspent", {"shadow"}},
    {"getsg", {"gshadow"}},
    {"setsgent", {"gshadow"}},
    {"endsgent", {"gshadow"}},
    {"gethostby", {"hosts"}},
    {"gethostent", {"hosts"}},
    {"sethostent", {"hosts"}},
    {"endhostent", {"hosts"}},
    {"getipnodeby", {"hosts"}},
    {"getaddrinfo", {"hosts", "services"}},
    {"getnameinfo", {"hosts", "services"}},
    {"getnetby", {"networks"}},
    {"getnetent", {"networks"}},
    {"setnetent", {"networks"}},
    {"endnetent", {"networks"}},
    {"getprotoby", {"protocols"}},
    {"getprotoent", {"protocols"}},
    {"setprotoent", {"protocols"}},
    {"endprotoent", {"protocols"}},
    {"getservby", {"services"}},
    {"getservent", {"services"}},
    {"setservent", {"services"}},
    {"endservent", {"services"}},
    {"getrpcby", {"rpc"}},
    {"getrpcent", {"rpc"}},
    {"setrpcent", {"rpc"}},
    {"endrpcent", {"rpc"}},
    {"ether_hostton", {"ethers"}},
    {"ether_ntohost", {"ethers"}},
    {"innetgr", {"netgroup"}},
    {"setnetgrent", {"netgroup"}},
    {"getnetgrent", {"netgroup"}},
    {"endnetgrent", {"netgroup"}},
    {"getaliasby", {"aliases"}},
    {"getaliasent", {"aliases"}},
    {"setaliasent", {"aliases"}},
    {"endaliasent", {"aliases"}},
    {"getpublickey", {"publickey"}},
    {"getsecretkey", {"publickey"}},
};

}  // namespace

std::map<std::string, std::vector<std::string>> ParseNsswitch(std::string_view text) {
  std::map<std::string, std::vector<std::string>> result;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream name_in(line.substr(0, colon));
    std::string database;
    if (!(name_in >> database)) continue;
    std::istringstream words(line.substr(colon + 1));
    std::string word;
    std::vector<std::string> services;
    bool in_action = false;
    while (words >> word) {
      // Actions look like [NOTFOUND=return] and may contain spaces: [ !UNAVAIL=return ].
      if (word.front() == '[') in_action = true;
      if (!in_action) services.push_back(word);
      if (word.back() == ']') in_action = false;
    }
    result[database] = std::move(services);
  }
  return result;
}

std::span<const std::string_view> NssDatabasesOf(std::string_view function) {
  for (const NssEntry& entry : kNssEntries) {
    if (function.substr(0, entry.prefix.size()) == entry.prefix) return entry.databases;
  }
  return {};
}

bool IsBuiltinNssService(std::string_view service) {
  return service == "files" || service == "dns";
}

std::string NssModuleName(std::string_view service) {
  return "libnss_" + std::string(service) + ".so.2";
}

namespace {

void CollectPamModules(const std::string& sysroot, const std::string& file, int depth,
                       std::set<std::string>& seen, std::vector<PamModule>& out) {
  if (depth > 16 || !seen.insert(file).second) return;
  std::ifstream in(file);
  std::string line;
  std::string directory = PathInRoot(sysroot, "/etc/pam.d") + "/";
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string type;
    if (!(words >> type)) continue;
    if (type == "@include") {
      std::string included;
      if (words >> included) {
        CollectPamModules(sysroot,
                          included[0] == '/' ? PathInRoot(sysroot, included) : directory + included,
                          depth + 1, seen, out);
      }
      continue;
    }
    // control: a word, or [...] that may contain spaces.
    std::string control;
    if (!(words >> control)) continue;
    if (control.front() == '[') {
      while (control.back() != ']') {
        std::string more;
        if (!(words >> more)) break;
        control += " " + more;
      }
    }
    std::string module;
    if (!(words >> module)) continue;
    if (control == "include" || control == "substack") {
      CollectPamModules(sysroot,
                        module[0] == '/' ? PathInRoot(sysroot, module) : directory + module,
                        depth + 1, seen, out);
      continue;
    }
    std::string path =
        PathInRoot(sysroot, module[0] == '/' ? module : "/lib/x86_64-linux-gnu/security/" + module);
    bool known =
        std::any_of(out.begin(), out.end(), [&](const PamModule& m) { return m.path == path; });
    if (!known) out.push_back({path, file});
  }
}

}  // namespace

std::vector<PamModule> PamServiceModules(const std::string& sysroot, const std::string& service) {
  std::string file = PathInRoot(sysroot, "/etc/pam.d/" + service);
  if (service.find('/') != std::string::npos || !std::ifstream(file).good()) {
    file = PathInRoot(sysroot, "/etc/pam.d/other");
  }
  std::vector<PamModule> modules;
  std::set<std::string> seen;
  CollectPamModules(sysroot, file, 0, seen, modules);
  return modules;
}

std::vector<std::string> PamServices(const std::string& sysroot) {
  std::vector<std::string> services;
  std::string directory = PathInRoot(sysroot, "/etc/pam.d");
  if (DIR* dir = opendir(directory.c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') services.emplace_back(entry->d_name);
    }
    closedir(dir);
  }
  std::sort(services.begin(), services.end());
  return services;
}

}  // namespace sysfence

// Which Debian package installed a file, from dpkg's own file lists
// (<root>/var/lib/dpkg/info/PACKAGE[:ARCH].list), read directly: what `dpkg -S` answers,
// for a whole scan at once and without running dpkg (an image has no dpkg to run).
// Debian 12 moved /bin, /sbin and /lib under /usr while packages still list the old names,
// so a path is also looked up under its other name.
//
//   PackageIndex packages = PackageIndex::Load("", {"/usr/bin/ls", "/usr/bin/awk"});
//   packages.Find("/usr/bin/ls");   // "coreutils" (listed as /bin/ls)
#ifndef SYSFENCE_SCAN_PACKAGE_INDEX_H_
#define SYSFENCE_SCAN_PACKAGE_INDEX_H_

#include <string>
#include <unordered_map>
#include <vector>

namespace sysfence {

class PackageIndex {
 public:
  // Reads the lists under `root` ("" = this system), keeping only the `wanted` paths (and
  // their merged-/usr twins). No dpkg database: an empty index.
  static PackageIndex Load(const std::string& root, const std::vector<std::string>& wanted);

  // The package that lists `path` (or its merged-/usr twin), "" when none does.
  std::string Find(const std::string& path) const;
  size_t size() const { return owners_.size(); }

 private:
  std::unordered_map<std::string, std::string> owners_;
};

// The other name a path has on a merged-/usr system ("/bin/ls" <-> "/usr/bin/ls"), or "".
std::string MergedUsrTwin(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_PACKAGE_INDEX_H_

// PackageIndex (see package_index.h): one pass over every *.list file, keeping the lines a
// scan asked for; several packages listing one path (a shared directory) keep the first by
// package name, as lists are read in sorted order.
#include "scan/package_index.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <unordered_set>

#include "base/root_path.h"

namespace sysfence {
namespace {

constexpr std::string_view kMergedDirectories[] = {"/bin/",   "/sbin/",  "/lib/",
                                                   "/lib32/", "/lib64/", "/libx32/"};

}  // namespace

std::string MergedUsrTwin(const std::string& path) {
  for (std::string_view dir : kMergedDirectories) {
    if (path.starts_with(dir)) return "/usr" + path;
    if (path.starts_with("/usr") && std::string_view(path).substr(4).starts_with(dir)) {
      return path.substr(4);
    }
  }
  return "";
}

PackageIndex PackageIndex::Load(const std::string& root, const std::vector<std::string>& wanted) {
  PackageIndex index;
  std::unordered_set<std::string> keep;
  for (const std::string& path : wanted) {
    keep.insert(path);
    if (std::string twin = MergedUsrTwin(path); !twin.empty()) keep.insert(twin);
  }
  std::string directory = PathInRoot(root, "/var/lib/dpkg/info");
  std::vector<std::string> lists;
  if (DIR* dir = opendir(directory.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name.size() > 5 && name.ends_with(".list")) lists.emplace_back(name);
    }
    closedir(dir);
  }
  std::sort(lists.begin(), lists.end());
  for (const std::string& list : lists) {
    std::string package = list.substr(0, list.size() - 5);
    package = package.substr(0, package.find(':'));  // libc6:amd64 -> libc6
    std::ifstream in(directory + "/" + list);
    std::string line;
    while (std::getline(in, line)) {
      if (keep.count(line) != 0) index.owners_.try_emplace(line, package);
    }
  }
  return index;
}

std::string PackageIndex::Find(const std::string& path) const {
  auto it = owners_.find(path);
  if (it != owners_.end()) return it->second;
  std::string twin = MergedUsrTwin(path);
  if (twin.empty()) return "";
  it = owners_.find(twin);
  return it == owners_.end() ? "" : it->second;
}

}  // namespace sysfence

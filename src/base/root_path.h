// Paths of another system's file tree (a --sysroot, an unpacked container image) resolved the
// way a process chrooted into it would see them: absolute symbolic links start again at the
// root, `..` stops at the root. Following such a tree's links with the host's own path lookup
// would leave it (`/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...` names the host's
// loader), so every lookup under a root goes through PathInRoot.
//
//   PathInRoot("/tmp/image", "/lib64/ld-linux-x86-64.so.2")
//     == "/tmp/image/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"   (links followed inside)
//   PathInRoot("", "/usr/bin/ls") == "/usr/bin/ls"                      (no root: unchanged)
#ifndef SYSFENCE_BASE_ROOT_PATH_H_
#define SYSFENCE_BASE_ROOT_PATH_H_

#include <string>
#include <string_view>
#include <vector>

namespace sysfence {

// The host path of `path` (absolute, as the tree's own processes name it; a relative path is
// taken from the root) inside `root`, with every symbolic link on the way, the last component
// included, resolved inside the root. Components that do not exist are appended as they are;
// more than 40 links (a loop) leave the rest unresolved. An empty `root` returns `path`.
std::string PathInRoot(std::string_view root, std::string_view path);

// The components of a path: "/usr//bin/" -> {"usr", "bin"} ("." and ".." are kept).
std::vector<std::string> PathComponents(std::string_view path);

// `host_path` as the tree names it: "/usr/bin/ls" for "<root>/usr/bin/ls". A path outside
// the root, or an empty root, is returned unchanged.
std::string PathFromRoot(std::string_view root, std::string_view host_path);

// `path` with every link resolved: inside `root` when there is one (PathInRoot of the path as
// the tree names it), by the host otherwise. A path the host cannot resolve is returned as it is.
std::string CanonicalPath(std::string_view root, const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_ROOT_PATH_H_

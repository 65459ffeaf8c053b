// PathInRoot: a path walk in user space, one component at a time with lstat/readlink, the way
// the kernel walks a path for a chrooted process (see root_path.h).
#include "base/root_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <system_error>

namespace sysfence {
namespace {

constexpr int kMaxLinks = 40;  // the kernel's MAXSYMLINKS

void PushComponents(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts = PathComponents(path);
  out.insert(front ? out.begin() : out.end(), parts.begin(), parts.end());
}

std::string Joined(const std::string& base, const std::vector<std::string>& parts) {
  std::string text = base;
  for (const std::string& part : parts) text += "/" + part;
  return text.empty() ? "/" : text;
}

}  // namespace

std::string PathInRoot(std::string_view root, std::string_view path) {
  if (root.empty()) return std::string(path);
  std::string base(root);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::deque<std::string> pending;
  PushComponents(path, pending, /*front=*/false);
  std::vector<std::string> resolved;
  int links = 0;
  bool walking = true;  // false once a component is missing (or too many links)
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(std::move(part));
    if (!walking) continue;
    std::string host = Joined(base, resolved);
    struct stat info {};
    if (lstat(host.c_str(), &info) != 0) {
      walking = false;
      continue;
    }
    if (!S_ISLNK(info.st_mode)) continue;
    if (++links > kMaxLinks) {
      walking = false;
      continue;
    }
    std::string target(static_cast<size_t>(info.st_size > 0 ? info.st_size : 256) + 1, '\0');
    ssize_t n = readlink(host.c_str(), target.data(), target.size());
    if (n < 0) {
      walking = false;
      continue;
    }
    target.resize(static_cast<size_t>(n));
    resolved.pop_back();
    if (!target.empty() && target[0] == '/') resolved.clear();
    PushComponents(target, pending, /*front=*/true);
  }
  return Joined(base, resolved);
}

std::vector<std::string> PathComponents(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string PathFromRoot(std::string_view root, std::string_view host_path) {
  std::string_view base = root;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  if (base.empty() || host_path.substr(0, base.size()) != base) return std::string(host_path);
  std::string_view rest = host_path.substr(base.size());
  if (rest.empty()) return "/";
  if (rest[0] != '/') return std::string(host_path);
  return std::string(rest);
}

std::string CanonicalPath(std::string_view root, const std::string& path) {
  if (!root.empty()) return PathInRoot(root, PathFromRoot(root, path));
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::canonical(path, error);
  return error ? path : canonical.string();
}

}  // namespace sysfence

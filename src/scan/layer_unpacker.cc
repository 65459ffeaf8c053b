// LayerUnpacker (see layer_unpacker.h): a path walk over directory descriptors, the way
// openat2(RESOLVE_IN_ROOT) walks, but stricter (absolute links are refused, not re-rooted:
// an extractor that follows them by path would leave the root), and the changeset rules of
// the OCI image specification (image-spec layer.md) for whiteouts.
#include "scan/layer_unpacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include "base/file_util.h"
#include "base/root_path.h"

namespace sysfence {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
constexpr int kMaxLinks = 40;

std::string Joined(const std::vector<std::string>& components, size_t count) {
  std::string path;
  for (size_t i = 0; i < count && i < components.size(); ++i) {
    path += (i == 0 ? "" : "/") + components[i];
  }
  return path;
}

UniqueFd OpenDirectoryAt(int dir, const std::string& name) {
  return UniqueFd(openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

// The names in the directory `dir` (without "." and "..").
std::vector<std::string> ListDirectory(int dir) {
  std::vector<std::string> names;
  int listed = dup(dir);
  DIR* d = listed >= 0 ? fdopendir(listed) : nullptr;
  if (d == nullptr) {
    if (listed >= 0) close(listed);
    return names;
  }
  rewinddir(d);  // a duplicate shares the position of `dir`
  while (dirent* entry = readdir(d)) {
    std::string_view n = entry->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  closedir(d);
  return names;
}

// Removes `name` in `dir` and, for a directory, everything under it, never following links.
Status RemoveTree(int dir, const std::string& name) {
  struct stat info {};
  if (fstatat(dir, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status(Ok{}) : MakeError("{}: {}", name, std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    UniqueFd sub = OpenDirectoryAt(dir, name);
    if (!sub.valid()) return MakeError("{}: {}", name, std::strerror(errno));
    std::vector<std::string> children = ListDirectory(sub.get());
    for (const std::string& child : children) {
      Status removed = RemoveTree(sub.get(), child);
      if (!removed.ok()) return removed;
    }
    if (unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) {
      return MakeError("{}: {}", name, std::strerror(errno));
    }
    return Ok{};
  }
  if (unlinkat(dir, name.c_str(), 0) != 0) return MakeError("{}: {}", name, std::strerror(errno));
  return Ok{};
}

}  // namespace

Result<std::vector<std::string>> EntryComponents(std::string_view name) {
  std::vector<std::string> components;
  for (std::string& part : PathComponents(name)) {
    if (part == ".") continue;
    if (part == "..") return MakeError("'{}' leaves the image root ('..')", name);
    components.push_back(std::move(part));
  }
  return components;
}

Result<LayerUnpacker> LayerUnpacker::Open(const std::string& root) {
  UniqueFd fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return MakeError("{}: {}", root, std::strerror(errno));
  return LayerUnpacker(std::move(fd));
}

Result<UniqueFd> LayerUnpacker::OpenParent(const std::vector<std::string>& components, bool create,
                                           const std::string& entry) const {
  auto refuse = [&](std::string_view why) {
    return MakeError("{}: entry '{}' {}", label_, entry, why);
  };
  // stack[0] is the root; stack.back() the directory reached so far.
  std::vector<UniqueFd> stack;
  stack.emplace_back(dup(root_.get()));
  if (!stack.back().valid()) return MakeError("{}: {}", label_, std::strerror(errno));
  std::deque<std::string> pending(components.begin(),
                                  components.end() - (components.empty() ? 0 : 1));
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (stack.size() == 1) return refuse("goes through a link that leaves the image root");
      stack.pop_back();
      continue;
    }
    int dir = stack.back().get();
    struct stat info {};
    if (fstatat(dir, part.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT || !create) {
        return refuse(fmt::format("has no parent directory '{}' ({})", part, std::strerror(errno)));
      }
      if (mkdirat(dir, part.c_str(), 0755) != 0 && errno != EEXIST) {
        return refuse(fmt::format("cannot create '{}': {}", part, std::strerror(errno)));
      }
    } else if (S_ISLNK(info.st_mode)) {
      if (++links > kMaxLinks) return refuse("goes through too many links");
      std::string target(static_cast<size_t>(info.st_size) + 1, '\0');
      ssize_t n = readlinkat(dir, part.c_str(), target.data(), target.size());
      if (n < 0)
        return refuse(fmt::format("cannot read the link '{}': {}", part, std::strerror(errno)));
      target.resize(static_cast<size_t>(n));
      if (!target.empty() && target[0] == '/') {
        return refuse(
            fmt::format("goes through the absolute link '{}' -> '{}', which leads out "
                        "of the image root when followed",
                        part, target));
      }
      std::vector<std::string> parts = PathComponents(target);
      pending.insert(pending.begin(), parts.begin(), parts.end());
      continue;
    } else if (!S_ISDIR(info.st_mode)) {
      return refuse(fmt::format("is under '{}', which is not a directory", part));
    }
    UniqueFd next = OpenDirectoryAt(dir, part);
    if (!next.valid()) {
      return refuse(fmt::format("cannot open the directory '{}': {}", part, std::strerror(errno)));
    }
    stack.push_back(std::move(next));
  }
  return std::move(stack.back());
}

Status LayerUnpacker::Whiteout(const std::vector<std::string>& components,
                               const std::string& entry) {
  const std::string& leaf = components.back();
  Result<UniqueFd> parent = OpenParent(components, /*create=*/false, entry);
  if (!parent.ok()) return Ok{};  // nothing below to delete
  if (leaf == kOpaqueWhiteout) {
    std::string directory = Joined(components, components.size() - 1);
    std::vector<std::string> children = ListDirectory(parent->get());
    for (const std::string& child : children) {
      std::string path = directory.empty() ? child : directory + "/" + child;
      if (written_.count(path) != 0) continue;  // this layer's own
      Status removed = RemoveTree(parent->get(), child);
      if (!removed.ok())
        return MakeError("{}: entry '{}': {}", label_, entry, removed.error().message());
    }
    return Ok{};
  }
  std::string name = leaf.substr(kWhiteoutPrefix.size());
  if (name.empty() || name == "." || name == "..") {
    return MakeError("{}: entry '{}' is a whiteout without a name", label_, entry);
  }
  Status removed = RemoveTree(parent->get(), name);
  if (!removed.ok())
    return MakeError("{}: entry '{}': {}", label_, entry, removed.error().message());
  return Ok{};
}

Status LayerUnpacker::ApplyEntry(struct archive* layer, struct archive_entry* entry) {
  const char* raw_name = archive_entry_pathname(entry);
  std::string name = raw_name != nullptr ? raw_name : "";
  Result<std::vector<std::string>> components = EntryComponents(name);
  if (!components.ok()) return MakeError("{}: entry {}", label_, components.error().message());
  if (components->empty()) return Ok{};  // the root directory itself
  const std::string& leaf = components->back();
  if (leaf.starts_with(kWhiteoutPrefix)) return Whiteout(*components, name);
  written_.insert(Joined(*components, components->size()));

  Result<UniqueFd> parent = OpenParent(*components, /*create=*/true, name);
  if (!parent.ok()) return parent.error();
  int dir = parent->get();
  mode_t mode = archive_entry_perm(entry) & 01777;  // no setuid or setgid
  auto fail = [&](std::string_view what) {
    return MakeError("{}: entry '{}': {}: {}", label_, name, what, std::strerror(errno));
  };
  struct stat existing {};
  bool exists = fstatat(dir, leaf.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
  mode_t type = archive_entry_filetype(entry);

  if (const char* hardlink = archive_entry_hardlink(entry)) {
    Result<std::vector<std::string>> target = EntryComponents(hardlink);
    if (!target.ok())
      return MakeError("{}: entry '{}' links to {}", label_, name, target.error().message());
    if (target->empty()) return MakeError("{}: entry '{}' links to the root", label_, name);
    Result<UniqueFd> target_parent = OpenParent(*target, /*create=*/false, name);
    if (!target_parent.ok()) return target_parent.error();
    if (exists) {
      Status removed = RemoveTree(dir, leaf);
      if (!removed.ok())
        return MakeError("{}: entry '{}': {}", label_, name, removed.error().message());
    }
    if (linkat(target_parent->get(), target->back().c_str(), dir, leaf.c_str(), 0) != 0) {
      return fail(fmt::format("cannot link to '{}'", hardlink));
    }
    return Ok{};
  }
  if (type == AE_IFDIR) {
    if (exists && S_ISDIR(existing.st_mode)) {
      if (fchmodat(dir, leaf.c_str(), mode, 0) != 0) return fail("cannot set the mode");
      return Ok{};
    }
    if (exists) {
      Status removed = RemoveTree(dir, leaf);
      if (!removed.ok())
        return MakeError("{}: entry '{}': {}", label_, name, removed.error().message());
    }
    if (mkdirat(dir, leaf.c_str(), mode | 0700) != 0) return fail("cannot create the directory");
    if (fchmodat(dir, leaf.c_str(), mode, 0) != 0) return fail("cannot set the mode");
    return Ok{};
  }
  if (type != AE_IFREG && type != AE_IFLNK) {
    ++skipped_;  // devices, FIFOs, sockets: nothing an analysis reads
    return Ok{};
  }
  if (exists) {
    Status removed = RemoveTree(dir, leaf);
    if (!removed.ok())
      return MakeError("{}: entry '{}': {}", label_, name, removed.error().message());
  }
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    if (target == nullptr || symlinkat(target, dir, leaf.c_str()) != 0) {
      return fail("cannot create the link");
    }
    return Ok{};
  }
  UniqueFd file(
      openat(dir, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!file.valid()) return fail("cannot create the file");
  char buffer[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(layer, buffer, sizeof buffer);
    if (n < 0) {
      return MakeError("{}: entry '{}': {}", label_, name, archive_error_string(layer));
    }
    if (n == 0) break;
    Status written = WriteAll(file.get(), std::string_view(buffer, static_cast<size_t>(n)));
    if (!written.ok())
      return MakeError("{}: entry '{}': {}", label_, name, written.error().message());
  }
  if (fchmod(file.get(), mode) != 0) return fail("cannot set the mode");
  return Ok{};
}

Status LayerUnpacker::Apply(struct archive* layer, const std::string& label) {
  label_ = label;
  written_.clear();
  for (;;) {
    struct archive_entry* entry = nullptr;
    int status = archive_read_next_header(layer, &entry);
    if (status == ARCHIVE_EOF) return Ok{};
    if (status < ARCHIVE_WARN) {
      const char* why = archive_error_string(layer);
      return MakeError("{}: {}", label_, why != nullptr ? why : "unreadable archive");
    }
    Status applied = ApplyEntry(layer, entry);
    if (!applied.ok()) return applied;
  }
}

}  // namespace sysfence

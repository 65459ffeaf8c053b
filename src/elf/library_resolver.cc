// LibraryResolver: the loader's search order (glibc elf/dl-load.c, _dl_map_object) and the
// breadth-first DT_NEEDED walk (_dl_map_object_deps).
#include "elf/library_resolver.h"

#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "base/root_path.h"
#include "base/unique_fd.h"

namespace sysfence {
namespace {

// The loader's compiled-in directories on Debian 12 (strings of ld-linux-x86-64.so.2).
const char* const kDefaultDirectories[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                           "/lib", "/usr/lib"};

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

bool IsCompatibleElf(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  struct stat info {};
  if (fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  Elf64_Ehdr header{};
  if (pread(fd.get(), &header, sizeof(header), 0) != static_cast<ssize_t>(sizeof(header))) {
    return false;
  }
  return std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
         header.e_ident[EI_CLASS] == ELFCLASS64 && header.e_machine == EM_X86_64;
}

LibraryResolver::LibraryResolver(ResolverOptions options) : options_(std::move(options)) {}

std::string LibraryResolver::UnderSysroot(std::string_view path) const {
  if (options_.sysroot.empty() || path.empty() || path[0] != '/') return std::string(path);
  return PathInRoot(options_.sysroot, PathFromRoot(options_.sysroot, path));
}

Result<std::shared_ptr<ElfFile>> LibraryResolver::Open(const std::string& path) const {
  if (options_.open) return options_.open(path);
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  if (!elf.ok()) return elf.error();
  return std::shared_ptr<ElfFile>(std::move(*elf));
}

void LibraryResolver::LoadCache() {
  if (cache_loaded_) return;
  cache_loaded_ = true;
  std::string path = options_.cache_path.value_or(UnderSysroot("/etc/ld.so.cache"));
  Result<LdCache> cache = LdCache::Load(path);
  if (cache.ok()) {
    cache_.emplace(std::move(cache.value()));
    return;
  }
  // No usable cache: the directories ldconfig would have put in it.
  std::deque<std::string> files = {UnderSysroot("/etc/ld.so.conf")};
  int budget = 256;  // include loops
  while (!files.empty() && budget-- > 0) {
    std::ifstream in(files.front());
    files.pop_front();
    std::string line;
    while (std::getline(in, line)) {
      line = line.substr(0, line.find('#'));
      std::istringstream words(line);
      std::string word;
      if (!(words >> word)) continue;
      if (word == "include") {
        std::string pattern;
        while (words >> pattern) {
          glob_t matches{};
          if (glob(UnderSysroot(pattern).c_str(), 0, nullptr, &matches) == 0) {
            for (size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
          }
          globfree(&matches);
        }
      } else if (word[0] == '/') {
        conf_directories_.push_back(UnderSysroot(word));
      }
    }
  }
}

std::vector<std::string> LibraryResolver::ExpandPathList(std::string_view list,
                                                         const ElfFile& owner) const {
  std::vector<std::string> dirs;
  std::string origin = DirectoryOf(owner.path());
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string_view::npos) end = list.size();
    std::string dir(list.substr(start, end - start));
    start = end + 1;
    if (dir.empty()) continue;
    // $ORIGIN expands to a host path already under the sysroot; other absolute entries are
    // paths of the target system.
    bool from_origin = dir.rfind("$ORIGIN", 0) == 0 || dir.rfind("${ORIGIN}", 0) == 0;
    for (std::string_view name : {"$ORIGIN", "${ORIGIN}"}) dir = ReplaceAll(dir, name, origin);
    for (std::string_view name : {"$LIB", "${LIB}"})
      dir = ReplaceAll(dir, name, "lib/x86_64-linux-gnu");
    for (std::string_view name : {"$PLATFORM", "${PLATFORM}"})
      dir = ReplaceAll(dir, name, "x86_64");
    dirs.push_back(from_origin ? dir : UnderSysroot(dir));
  }
  return dirs;
}

std::optional<std::string> LibraryResolver::SearchDirectories(std::string_view name,
                                                              const std::vector<std::string>& dirs,
                                                              bool in_root) const {
  for (const std::string& dir : dirs) {
    std::string candidate = dir + "/" + std::string(name);
    // The file itself may be a link (absolute ones are common) to follow inside the root.
    if (in_root) candidate = UnderSysroot(candidate);
    if (IsCompatibleElf(candidate)) return candidate;
  }
  return std::nullopt;
}

std::optional<std::string> LibraryResolver::Find(std::string_view name, const ElfFile& requester,
                                                 const std::vector<const ElfFile*>& rpath_chain) {
  if (name.find('/') != std::string_view::npos) {
    std::string path = UnderSysroot(name);
    if (!name.empty() && name[0] != '/') path = std::string(name);
    if (IsCompatibleElf(path)) return path;
    return std::nullopt;
  }
  // DT_RPATH of the requester and of every object up the chain that loaded it, unless the
  // requester has DT_RUNPATH.
  if (requester.dynamic().runpath.empty()) {
    for (const ElfFile* owner : rpath_chain) {
      if (owner->dynamic().rpath.empty() || !owner->dynamic().runpath.empty()) continue;
      if (auto found = SearchDirectories(name, ExpandPathList(owner->dynamic().rpath, *owner))) {
        return found;
      }
    }
  }
  std::vector<std::string> library_paths;
  for (const std::string& dir : options_.library_paths) library_paths.push_back(dir);
  if (auto found = SearchDirectories(name, library_paths, /*in_root=*/false)) return found;
  if (!requester.dynamic().runpath.empty()) {
    if (auto found =
            SearchDirectories(name, ExpandPathList(requester.dynamic().runpath, requester))) {
      return found;
    }
  }
  bool no_default = (requester.dynamic().flags_1 & DF_1_NODEFLIB) != 0;
  if (!no_default) {
    LoadCache();
    if (cache_) {
      if (std::optional<std::string> path = cache_->Find(name)) {
        std::string host = UnderSysroot(*path);
        if (IsCompatibleElf(host)) return host;
      }
    } else if (auto found = SearchDirectories(name, conf_directories_)) {
      return found;
    }
    std::vector<std::string> defaults;
    for (const char* dir : kDefaultDirectories) defaults.push_back(UnderSysroot(dir));
    if (auto found = SearchDirectories(name, defaults)) return found;
  }
  return std::nullopt;
}

std::optional<size_t> LibraryResolver::FindLoaded(const LoadList& list, std::string_view name,
                                                  const std::string& path) const {
  // The file `path` names, looked up once: another name (a link) for a loaded file is the
  // same object.
  struct stat info {};
  bool named_file = !path.empty() && stat(path.c_str(), &info) == 0;
  for (size_t i = 0; i < list.objects.size(); ++i) {
    const LoadedObject& object = list.objects[i];
    if (!name.empty() && object.elf->dynamic().soname == name) return i;
    if (path.empty()) continue;
    const MappedFile& file = object.elf->file();
    if (object.path == path ||
        (named_file && info.st_dev == file.device() && info.st_ino == file.inode())) {
      return i;
    }
  }
  return std::nullopt;
}

void LibraryResolver::LoadClosureFrom(LoadList& list, size_t first) {
  for (size_t i = first; i < list.objects.size(); ++i) {
    std::shared_ptr<ElfFile> requester = list.objects[i].elf;
    std::vector<const ElfFile*> chain;
    for (size_t at = i;;) {
      chain.push_back(list.objects[at].elf.get());
      const std::string& parent = list.objects[at].needed_by;
      std::optional<size_t> next;
      for (size_t j = 0; j < list.objects.size() && !parent.empty(); ++j) {
        if (list.objects[j].path == parent) next = j;
      }
      if (!next || chain.size() > list.objects.size()) break;
      at = *next;
    }
    if (!list.objects.empty() && chain.back() != list.objects[0].elf.get()) {
      chain.push_back(list.objects[0].elf.get());
    }
    for (std::string_view name : requester->dynamic().needed) {
      if (FindLoaded(list, name, "")) continue;
      if (pending_interpreter_ && pending_interpreter_->elf->dynamic().soname == name) {
        list.objects.push_back(std::move(*pending_interpreter_));
        pending_interpreter_.reset();
        continue;
      }
      std::optional<std::string> path = Find(name, *requester, chain);
      if (!path) {
        list.warnings.push_back(
            fmt::format("library {} (needed by {}) not found", name, requester->path()));
        continue;
      }
      if (FindLoaded(list, "", *path)) continue;
      Result<std::shared_ptr<ElfFile>> elf = Open(*path);
      if (!elf.ok()) {
        list.warnings.push_back(fmt::format("library {} (needed by {}) skipped: {}", name,
                                            requester->path(), elf.error().message()));
        continue;
      }
      list.objects.push_back({std::move(*elf), *path, requester->path(), "DT_NEEDED"});
    }
  }
}

LoadList LibraryResolver::LoadClosure(LoadedObject program) {
  LoadList list;
  std::string interpreter(program.elf->interpreter());
  list.objects.push_back(std::move(program));
  // The kernel maps the interpreter before anything else, so a DT_NEEDED entry naming it
  // (libc.so.6 needs ld-linux-x86-64.so.2) finds it already loaded by its soname.
  if (!interpreter.empty()) {
    std::string path = UnderSysroot(interpreter);
    Result<std::shared_ptr<ElfFile>> elf = Open(path);
    if (elf.ok()) {
      pending_interpreter_ =
          LoadedObject{std::move(*elf), path, list.objects[0].path, "interpreter"};
    } else {
      list.warnings.push_back(fmt::format("interpreter {} (of {}) skipped: {}", interpreter,
                                          list.objects[0].path, elf.error().message()));
    }
  }
  LoadClosureFrom(list, 0);
  if (pending_interpreter_) {
    list.objects.push_back(std::move(*pending_interpreter_));
    pending_interpreter_.reset();
  }
  return list;
}

std::optional<size_t> LibraryResolver::AddObject(LoadList& list, std::string_view name,
                                                 std::string_view reason, size_t requester_index) {
  if (std::optional<size_t> loaded = FindLoaded(list, name, "")) return loaded;
  const ElfFile& program = *list.objects[0].elf;
  const ElfFile& caller = *list.objects[requester_index].elf;
  const std::string& requester = list.objects[requester_index].path;
  std::optional<std::string> path = Find(name, caller, {&caller, &program});
  if (!path) {
    list.warnings.push_back(fmt::format("{} ({}) not found", name, reason));
    return std::nullopt;
  }
  if (std::optional<size_t> loaded = FindLoaded(list, "", *path)) return loaded;
  Result<std::shared_ptr<ElfFile>> elf = Open(*path);
  if (!elf.ok()) {
    list.warnings.push_back(
        fmt::format("{} ({}) skipped: {}", name, reason, elf.error().message()));
    return std::nullopt;
  }
  size_t index = list.objects.size();
  list.objects.push_back({std::move(*elf), *path, requester, std::string(reason)});
  LoadClosureFrom(list, index);
  return index;
}

}  // namespace sysfence

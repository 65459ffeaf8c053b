// Finds the files the dynamic loader would load for a program, the way ld.so does it:
// DT_RPATH (of the object and the objects that loaded it, when it has no DT_RUNPATH), the
// --library-path directories (LD_LIBRARY_PATH's place), DT_RUNPATH, /etc/ld.so.cache (or
// ld.so.conf when there is no cache), then the default directories; $ORIGIN, $LIB and
// $PLATFORM expanded; everything under an optional sysroot, whose symbolic links are followed
// inside it (base/root_path.h). LoadClosure() walks DT_NEEDED breadth first, which is the
// loader's global symbol lookup order.
//
//   LibraryResolver resolver({.library_paths = {"/opt/lib"}});
//   Result<LoadList> list = resolver.LoadClosure(std::move(exe));
//   for (const LoadedObject& o : list->objects) ...;   // exe, deps in BFS order, interpreter
//   for (const std::string& w : list->warnings) ...;  // "libfoo.so.1 (needed by ...) not found"
#ifndef SYSFENCE_ELF_LIBRARY_RESOLVER_H_
#define SYSFENCE_ELF_LIBRARY_RESOLVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "elf/elf_file.h"
#include "elf/ld_cache.h"

namespace sysfence {

struct ResolverOptions {
  std::vector<std::string> library_paths;  // searched after DT_RPATH, before DT_RUNPATH
  std::string sysroot;                     // "" = the running system
  // Overrides <sysroot>/etc/ld.so.cache (tests).
  std::optional<std::string> cache_path;
  // Opens a library (default: ElfFile::Open). Analyses that share one set of object
  // summaries pass the shared opener, so each file is parsed once for all of them.
  std::function<Result<std::shared_ptr<ElfFile>>(const std::string& path)> open;
};

struct LoadedObject {
  std::shared_ptr<ElfFile> elf;
  std::string path;       // the path opened (under the sysroot)
  std::string needed_by;  // path of the object whose DT_NEEDED named it ("" for the program)
  std::string reason;     // "program", "interpreter", "DT_NEEDED", or why it was added

  // Whether the loader maps it before the program starts (the global scope), not later
  // through dlopen, NSS or PAM.
  bool LoadedWithProgram() const {
    return reason == "program" || reason == "DT_NEEDED" || reason == "interpreter";
  }
};

struct LoadList {
  std::vector<LoadedObject> objects;  // load order = global symbol lookup order
  std::vector<std::string> warnings;
};

class LibraryResolver {
 public:
  explicit LibraryResolver(ResolverOptions options);

  // The program first, then its DT_NEEDED closure breadth first, then the interpreter
  // (PT_INTERP) unless a DT_NEEDED entry already loaded it. A library that cannot be found
  // or parsed is a warning, not an error.
  LoadList LoadClosure(LoadedObject program);
  // Adds `name` (a DT_NEEDED-style name or a path) and its own DT_NEEDED closure to `list`,
  // as dlopen called from list.objects[requester] would (its DT_RUNPATH, $ORIGIN); returns
  // the index of the object in `list`, nullopt (with a warning) when it cannot be found.
  std::optional<size_t> AddObject(LoadList& list, std::string_view name, std::string_view reason,
                                  size_t requester);

  // The path `name` resolves to when requested by `requester` (whose RPATH chain is
  // `rpath_chain`), or nullopt.
  std::optional<std::string> Find(std::string_view name, const ElfFile& requester,
                                  const std::vector<const ElfFile*>& rpath_chain);

  // The host path of a path of the analysed system: under the sysroot with its links
  // followed inside it (a path already under the sysroot is taken as it is); unchanged
  // without a sysroot.
  std::string UnderSysroot(std::string_view path) const;

 private:
  std::vector<std::string> ExpandPathList(std::string_view list, const ElfFile& owner) const;
  // `in_root`: the directories are under the sysroot (every one but --library-path's).
  std::optional<std::string> SearchDirectories(std::string_view name,
                                               const std::vector<std::string>& dirs,
                                               bool in_root = true) const;
  Result<std::shared_ptr<ElfFile>> Open(const std::string& path) const;
  void LoadCache();
  void LoadClosureFrom(LoadList& list, size_t first);
  std::optional<size_t> FindLoaded(const LoadList& list, std::string_view name,
                                   const std::string& path) const;

  ResolverOptions options_;
  bool cache_loaded_ = false;
  std::optional<LdCache> cache_;
  std::vector<std::string> conf_directories_;  // from ld.so.conf when there is no cache
  // The interpreter while LoadClosure runs, until a DT_NEEDED entry places it.
  std::optional<LoadedObject> pending_interpreter_;
};

// True when `path` holds a 64-bit x86-64 ELF file (the loader skips other candidates).
bool IsCompatibleElf(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_LIBRARY_RESOLVER_H_

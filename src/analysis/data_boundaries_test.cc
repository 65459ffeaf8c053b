// Checks the data regions recovered without symbols against the objects glibc's debug files
// size: every address code or data refers to inside an object that holds pointers must get
// a region covering all of them, or code reading the object through that address would use
// pointers the analysis never saw.
#include "analysis/data_boundaries.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "analysis/instruction.h"
#include "elf/debug_file.h"

namespace sysfence {
namespace {

// Shared objects under `directory` that have a separate debug file on this machine.
std::vector<std::string> ObjectsWithDebugFiles(const std::string& directory) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (!entry.is_regular_file(error) || entry.path().string().find(".so") == std::string::npos) {
      continue;
    }
    Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(entry.path().string());
    if (!elf.ok() || !(*elf)->symbols().empty()) continue;
    if (OpenDebugFile(**elf, DebugFileSearch{}) != nullptr) found.push_back(entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

struct Violation {
  std::string object;
  std::string symbol;
  uint64_t start, end, entry;
  uint64_t region_start, region_end;
};

struct Tally {
  size_t objects_checked = 0;
  size_t regions = 0;
  std::vector<Violation> violations;
};

// Every rip-relative lea address in the executable sections, by a linear sweep.
std::vector<uint64_t> LeaAddresses(const ElfFile& elf) {
  InstructionDecoder decoder;
  std::vector<uint64_t> found;
  for (const ElfSection& s : elf.sections()) {
    if (!s.IsAllocated() || !s.IsExecutable() || !s.HasFileBytes()) continue;
    std::optional<ByteView> code = elf.ReadVirtual(s.address, s.size);
    if (!code) continue;
    for (uint64_t offset = 0; offset < code->size();) {
      InstructionSketch sketch;
      if (!decoder.Sketch(*code->From(offset), s.address + offset, sketch)) {
        ++offset;
        continue;
      }
      if (sketch.load_address) found.push_back(sketch.code_target);
      offset += sketch.length;
    }
  }
  return found;
}

// Reads `elf` as if stripped, recovers its data object starts, and checks them against
// `truth` (its own symbol table or its debug file's): every address that code or data refers
// to inside a sized object holding pointers must get a region covering all of them.
void CheckRecovery(const std::string& path, const ElfFile& elf, const std::vector<ElfSymbol>& truth,
                   Tally& tally) {
  std::vector<uint64_t> leas = LeaAddresses(elf);
  std::vector<uint64_t> starts = RecoverDataObjectStarts(elf, leas);
  tally.regions += starts.size();
  std::vector<uint64_t> entries = leas;
  std::vector<uint64_t> slots;
  for (const ElfRelocation& r : elf.relocations()) {
    slots.push_back(r.offset);
    if (r.type == R_X86_64_RELATIVE) entries.push_back(static_cast<uint64_t>(r.addend));
  }
  for (const ElfSymbol& s : elf.dynamic_symbols()) entries.push_back(s.value);
  std::sort(slots.begin(), slots.end());
  std::sort(entries.begin(), entries.end());
  for (const ElfSymbol& s : truth) {
    if (s.type != STT_OBJECT || s.size == 0 || !s.IsDefined()) continue;
    uint64_t end = s.value + s.size;
    auto first_slot = std::lower_bound(slots.begin(), slots.end(), s.value);
    if (first_slot == slots.end() || *first_slot >= end) continue;  // no pointer inside
    uint64_t last_slot = *std::prev(std::lower_bound(slots.begin(), slots.end(), end));
    ++tally.objects_checked;
    for (auto e = std::lower_bound(entries.begin(), entries.end(), s.value);
         e != entries.end() && *e < end; ++e) {
      // The recovered region of the entry: [greatest start <= entry, next start).
      auto next = std::upper_bound(starts.begin(), starts.end(), *e);
      uint64_t region_start = next == starts.begin() ? 0 : *std::prev(next);
      uint64_t region_end = next == starts.end() ? UINT64_MAX : *next;
      if (region_start > *first_slot || region_end <= last_slot) {
        tally.violations.push_back(
            {path, std::string(s.name), s.value, end, *e, region_start, region_end});
        break;
      }
    }
  }
}

void Report(const Tally& tally, size_t files) {
  for (const Violation& v : tally.violations) {
    ADD_FAILURE() << v.object << ": " << v.symbol << " [" << std::hex << v.start << ", " << v.end
                  << "): the region [" << v.region_start << ", " << v.region_end << ") of "
                  << v.entry << " misses some of its pointers";
  }
  std::printf("%zu files, %zu data objects with pointers checked, %zu regions recovered\n", files,
              tally.objects_checked, tally.regions);
}

TEST(DataBoundaries, RecoveredRegionsNeverSplitADebugObject) {
  std::vector<std::string> objects = ObjectsWithDebugFiles("/lib/x86_64-linux-gnu");
  std::vector<std::string> gconv = ObjectsWithDebugFiles("/usr/lib/x86_64-linux-gnu/gconv");
  objects.insert(objects.end(), gconv.begin(), gconv.end());
  if (objects.empty()) GTEST_SKIP() << "no separate debug files (libc6-dbg) on this machine";
  Tally tally;
  for (const std::string& path : objects) {
    Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
    if (!elf.ok()) continue;
    std::shared_ptr<ElfFile> debug = OpenDebugFile(**elf, DebugFileSearch{});
    if (debug != nullptr) CheckRecovery(path, **elf, debug->symbols(), tally);
  }
  Report(tally, objects.size());
  EXPECT_GT(tally.objects_checked, 100u);
}

// The same check over objects that kept their symbol table, read as if stripped; the files
// are listed one per line in $SYSFENCE_UNSTRIPPED_LIST (a sweep of a machine, not part of the
// suite: `find / -type f` for ELF files with a .symtab).
TEST(DataBoundaries, RecoveredRegionsNeverSplitASymbolOfAnUnstrippedObject) {
  const char* list = std::getenv("SYSFENCE_UNSTRIPPED_LIST");
  if (list == nullptr) GTEST_SKIP() << "set SYSFENCE_UNSTRIPPED_LIST to a file of paths";
  std::ifstream in(list);
  std::string path;
  Tally tally;
  size_t files = 0;
  while (std::getline(in, path)) {
    Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
    if (!elf.ok() || (*elf)->symbols().empty()) continue;
    std::vector<ElfSymbol> truth = (*elf)->symbols();
    (*elf)->AdoptSymbols({}, nullptr);
    ++files;
    size_t before = tally.violations.size();
    CheckRecovery(path, **elf, truth, tally);
    if (tally.violations.size() > before) {
      std::printf("%s: %zu\n", path.c_str(), tally.violations.size() - before);
    }
  }
  Report(tally, files);
}

}  // namespace
}  // namespace sysfence

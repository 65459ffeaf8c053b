// Function ranges from .eh_frame: every FDE (frame description entry) names the code range
// [pc_begin, pc_begin + pc_range) of one function (or one part of it, like a .cold block).
// Debian's libraries are stripped, and these ranges are the only reliable function
// boundaries left in them.
//
//   Result<std::vector<FdeRange>> ranges = ReadEhFrameRanges(elf);
//   for (const FdeRange& r : *ranges) ...;   // sorted by begin
#ifndef SYSFENCE_ELF_EH_FRAME_H_
#define SYSFENCE_ELF_EH_FRAME_H_

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "elf/elf_file.h"

namespace sysfence {

struct FdeRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  bool operator==(const FdeRange&) const = default;
};

// A personality routine a CIE names (the unwinder calls it): its address, or with
// `indirect` the address of the word holding it (DW.ref.__gxx_personality_v0).
struct Personality {
  uint64_t address = 0;
  bool indirect = false;
};

struct EhFrame {
  std::vector<FdeRange> ranges;  // sorted by begin
  std::vector<Personality> personalities;
};

// Parses .eh_frame (found by section name or, without sections, through PT_GNU_EH_FRAME).
// No .eh_frame gives empty lists. A malformed entry is an Error naming the file and the
// offset.
Result<EhFrame> ReadEhFrame(const ElfFile& elf);

// The FDE ranges of ReadEhFrame.
Result<std::vector<FdeRange>> ReadEhFrameRanges(const ElfFile& elf);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_EH_FRAME_H_

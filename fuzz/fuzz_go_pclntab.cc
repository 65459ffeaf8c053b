// Fuzz target: Go's function table reader (.gopclntab, every layout from Go 1.2 to 1.20+)
// must accept or reject any bytes without crashing, and what it accepts must keep its
// promises: functions in address order, none empty, none overlapping, names inside the input.
#include <cstdint>
#include <cstdlib>

#include "elf/go_pclntab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sysfence::ByteView bytes(data, size);
  (void)sysfence::LooksLikeGoPclntab(bytes);
  sysfence::Result<sysfence::GoPclntab> table = sysfence::ParseGoPclntab(bytes, "fuzz");
  if (!table.ok()) return 0;
  uint64_t previous_end = 0;
  for (const sysfence::GoFunction& f : table->functions) {
    if (f.entry >= f.end || f.entry < previous_end) abort();
    const auto* name = reinterpret_cast<const uint8_t*>(f.name.data());
    if (name < data || name + f.name.size() > data + size) abort();
    previous_end = f.end;
  }
  return 0;
}

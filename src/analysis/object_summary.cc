// ObjectSummary lookups (see object_summary.h).
#include "analysis/object_summary.h"

#include <algorithm>

namespace sysfence {

int TrackedSlot(int reg) {
  for (int i = 0; i < static_cast<int>(std::size(kTrackedArgumentRegisters)); ++i) {
    if (kTrackedArgumentRegisters[i] == reg) return i;
  }
  return -1;
}

std::string_view ObjectSummary::NameOf(const FunctionSummary& f) const {
  if (f.name == kNoIndex || f.name >= strings.size()) return {};
  return std::string_view(strings.data() + f.name);
}

std::optional<std::span<const uint64_t>> ObjectSummary::ArgumentOf(const CallSite& c,
                                                                   int slot) const {
  for (uint32_t i = 0; i < c.arguments_count; ++i) {
    const ArgumentValue& a = arguments[c.arguments_begin + i];
    if (a.slot == slot) return std::span<const uint64_t>(atoms.data() + a.begin, a.count);
  }
  return std::nullopt;
}

uint32_t ObjectSummary::FunctionAt(uint64_t address) const {
  // Lookups cluster (calls from one function, relocations in order): try the last hit.
  thread_local const ObjectSummary* last_summary = nullptr;
  thread_local uint32_t last = 0;
  if (last_summary == this && last < functions.size() && functions[last].start <= address &&
      address < functions[last].end) {
    return last;
  }
  auto it = std::upper_bound(functions.begin(), functions.end(), address,
                             [](uint64_t a, const FunctionSummary& f) { return a < f.start; });
  if (it == functions.begin()) return kNoIndex;
  --it;
  if (address >= it->end) return kNoIndex;
  last_summary = this;
  last = static_cast<uint32_t>(it - functions.begin());
  return last;
}

uint32_t ObjectSummary::RegionAt(uint64_t address) const {
  auto it = std::upper_bound(regions.begin(), regions.end(), address,
                             [](uint64_t a, const DataRegion& r) { return a < r.start; });
  if (it == regions.begin()) return kNoIndex;
  --it;
  return address < it->end ? static_cast<uint32_t>(it - regions.begin()) : kNoIndex;
}

}  // namespace sysfence

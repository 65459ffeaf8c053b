// ObjectSummary lookups (see object_summary.h).
#include "analysis/object_summary.h"

#include <algorithm>

namespace sysfence {

static_assert(RangeIndex::kNone == kNoIndex);

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
  return function_index.Find(std::span<const FunctionSummary>(functions), address);
}

uint32_t ObjectSummary::RegionAt(uint64_t address) const {
  return region_index.Find(std::span<const DataRegion>(regions), address);
}

void ObjectSummary::IndexRanges() {
  function_index.Build(std::span<const FunctionSummary>(functions));
  region_index.Build(std::span<const DataRegion>(regions));
}

}  // namespace sysfence

// Switch tables: an indirect jump through a table of offsets or addresses that a bounded
// index selects, found by looking back from the jump for the table's address and bound.
#include <elf.h>

#include "analysis/object_analyzer_impl.h"

namespace sysfence {

namespace {

constexpr size_t kMaxJumpTableEntries = 4096;
constexpr size_t kJumpTableLookBack = 48;

}  // namespace

std::vector<JumpTable> ObjectAnalyzer::FindJumpTables(uint32_t function, bool& unresolved) const {
  std::vector<JumpTable> tables;
  const FunctionSummary& f = summary_.functions[function];
  uint32_t first = 0, last = static_cast<uint32_t>(instructions_.size());
  auto inside = [&](uint64_t a) { return a >= f.start && a < f.end; };
  for (uint32_t i = first; i < last; ++i) {
    const Instruction& insn = instructions_[i];
    if (insn.flow != Flow::kIndirectJump) continue;
    JumpTable table;
    table.instruction = i - first;
    if (insn.memory_use == MemoryUse::kJumpThrough && insn.memory_indexed) {
      // Absolute table of 8-byte addresses (non-PIE code).
      for (size_t k = 0; k < kMaxJumpTableEntries; ++k) {
        std::optional<ByteView> entry = elf_.ReadVirtual(insn.memory + 8 * k, 8);
        if (!entry) break;
        uint64_t target = *entry->Read<uint64_t>(0);
        if (!inside(target)) break;
        table.targets.push_back(target);
      }
    } else if (insn.memory_use == MemoryUse::kNone) {
      // PIC table: lea TABLE(%rip) earlier in the function, 4-byte entries relative to it.
      for (uint32_t j = i; j > first && i - j < kJumpTableLookBack; --j) {
        const Instruction& prior = instructions_[j - 1];
        if (prior.op != RegisterOp::kLoadAddress) continue;
        const ElfSection* section = elf_.SectionAt(prior.memory);
        if (section == nullptr || section->IsExecutable() || section->IsWritable()) continue;
        for (size_t k = 0; k < kMaxJumpTableEntries; ++k) {
          std::optional<ByteView> entry = elf_.ReadVirtual(prior.memory + 4 * k, 4);
          if (!entry) break;
          uint64_t target =
              prior.memory + static_cast<uint64_t>(static_cast<int64_t>(*entry->Read<int32_t>(0)));
          if (!inside(target)) break;
          table.targets.push_back(target);
        }
        break;
      }
    }
    if (table.targets.empty()) {
      unresolved = true;
    } else {
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

bool ObjectAnalyzer::IsJumpTableJump(const std::vector<JumpTable>& tables, size_t instruction) {
  for (const JumpTable& t : tables) {
    if (t.instruction == instruction) return true;
  }
  return false;
}

}  // namespace sysfence

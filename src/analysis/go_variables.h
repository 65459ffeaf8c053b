// Go package variables that keep their initial value: the syscall package and
// golang.org/x/sys/unix pass syscall numbers held in variables (`var fcntl64Syscall uintptr =
// SYS_FCNTL`, changed only on 32-bit platforms), and a number loaded from writable data is
// otherwise unknown. A variable keeps its initial value when no instruction of the object
// stores to it (a store writes its operand's bytes, at most 16), no instruction
// takes an address that may reach it (rip-relative lea or any use not modelled, a non-PIE
// immediate), no data word or relocation of the object points there, and it is not exported.
//
// "May reach" means an address inside the same data object. With a symbol table the
// variable's own symbol bounds the object. Without one (stripped programs) only addresses
// inside the bytes loaded count: the load is assumed to read a variable of its own (the
// variables that hold syscall numbers in the syscall, internal/syscall/unix and
// golang.org/x/sys/unix packages are plain uintptr ones). A field of a package-level struct
// whose address is taken, loaded as a syscall number, would be misread; none is known.
//
//   GoVariableWrites writes;
//   for (each instruction) writes.Note(sketch, non_pie);
//   writes.Finish(elf);
//   if (writes.IsUnwritten(address, 8)) ...;   // the file's bytes are its value
#ifndef SYSFENCE_ANALYSIS_GO_VARIABLES_H_
#define SYSFENCE_ANALYSIS_GO_VARIABLES_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "analysis/instruction.h"
#include "elf/elf_file.h"

namespace sysfence {

class GoVariableWrites {
 public:
  // Records the stores and addresses of one instruction of the object.
  void Note(const InstructionSketch& sketch, bool non_pie);
  // Adds the object's data pointers, relocations, exported data and symbol bounds; call once
  // after every instruction was noted.
  void Finish(const ElfFile& elf);
  // Whether [address, address + bytes) in writable data keeps its initial value.
  bool IsUnwritten(uint64_t address, uint64_t bytes) const;

 private:
  std::vector<std::pair<uint64_t, uint64_t>> stored_;   // stores [begin, end), sorted
  std::vector<uint64_t> addressed_;                     // addresses taken
  std::vector<std::pair<uint64_t, uint64_t>> objects_;  // data symbols [start, end), sorted
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_GO_VARIABLES_H_

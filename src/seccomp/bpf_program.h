// A classic BPF program as seccomp takes it (an array of struct sock_filter), its raw byte
// form (what `sysfence filter --format bpf` writes and `bwrap --seccomp FD` reads), and a
// one-line-per-instruction disassembly for comments and test failure messages.
//
//   BpfProgram program = compiled.program;
//   std::string bytes = BpfProgramToBytes(program);            // 8 bytes per instruction
//   Result<BpfProgram> back = BpfProgramFromBytes(bytes, "f.bpf");
//   std::string text = DisassembleBpf(program);                 // "0000: ld [4]\n..."
#ifndef SYSFENCE_SECCOMP_BPF_PROGRAM_H_
#define SYSFENCE_SECCOMP_BPF_PROGRAM_H_

#include <linux/filter.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sysfence {

using BpfProgram = std::vector<sock_filter>;

// The kernel's limit on a classic BPF program (BPF_MAXINSNS).
inline constexpr size_t kMaxBpfInstructions = 4096;

// Host byte order, as seccomp_export_bpf writes it and the kernel reads it.
std::string BpfProgramToBytes(std::span<const sock_filter> program);
// Fails when the size is not a whole number of instructions or exceeds the kernel's limit;
// `source` names the input in the message.
Result<BpfProgram> BpfProgramFromBytes(std::string_view bytes, std::string_view source);

// "ld [0]", "jeq #0x3e, 1, 0", "ret #0x7fff0000", ...; offsets into struct seccomp_data are
// named ("nr", "arch", "args[1].lo").
std::string DisassembleBpfInstruction(const sock_filter& instruction);
// One line per instruction, each prefixed with its index.
std::string DisassembleBpf(std::span<const sock_filter> program);

}  // namespace sysfence

#endif  // SYSFENCE_SECCOMP_BPF_PROGRAM_H_

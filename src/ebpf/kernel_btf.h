// The kernel struct members a BPF program reads, looked up in the running kernel's BTF
// (/sys/kernel/btf/vmlinux) and written out as a BTF blob that holds nothing else. libbpf
// resolves the program's CO-RE relocations against that blob (btf_custom_path) instead of
// parsing all of the kernel's ~126k types, which takes it 40-60 ms here; this scan takes a few.
//
//   constexpr KernelField kFields[] = {{"task_struct", "pid"}, {"task_struct", "mm"},
//                                      {"mm_struct", "exe_file"}};
//   Result<std::string> btf = MinimalKernelBtf(kFields);       // raw BTF bytes
//   // write them to a file and pass its path as bpf_object_open_opts.btf_custom_path
#ifndef SYSFENCE_EBPF_KERNEL_BTF_H_
#define SYSFENCE_EBPF_KERNEL_BTF_H_

#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sysfence {

// One member a program reads: `member` of struct (or union) `type`. A member inside an
// anonymous struct or union is named directly (mm_struct's exe_file). A member whose type is
// a struct keeps that struct's name, and the struct's own members must be listed too
// ({"task_struct", "thread_info"} and {"thread_info", "status"}). Pointer members become
// `void *`, integers and enums integers of their size: all that CO-RE needs to match them.
struct KernelField {
  const char* type;
  const char* member;
};

inline constexpr const char* kKernelBtfPath = "/sys/kernel/btf/vmlinux";

// The blob for `fields`, from the BTF in `kernel_btf` (the bytes of a raw BTF file). Errors
// name a struct or member the kernel does not have.
Result<std::string> MinimalBtfFrom(std::string_view kernel_btf,
                                   std::span<const KernelField> fields);

// The same from the running kernel's BTF; the error says when the kernel has none.
Result<std::string> MinimalKernelBtf(std::span<const KernelField> fields);

}  // namespace sysfence

#endif  // SYSFENCE_EBPF_KERNEL_BTF_H_

// Go programs: whether an ELF file was built by the Go toolchain (its build information in
// .go.buildinfo, the Go build-id note, or a Go function table), which Go release built it,
// and its function table (go_pclntab.h), found by section name or, in a file without
// section headers, by its header in the read-only data.
//
//   Result<std::optional<GoBinary>> go = ReadGoBinary(elf);
//   if (!go.ok()) return go.error();        // a Go program with a corrupt function table
//   if (*go) fmt::print("{} functions, {}\n", (*go)->table.functions.size(), (*go)->version);
#ifndef SYSFENCE_ELF_GO_BINARY_H_
#define SYSFENCE_ELF_GO_BINARY_H_

#include <optional>
#include <string>

#include "base/result.h"
#include "elf/elf_file.h"
#include "elf/go_pclntab.h"

namespace sysfence {

struct GoBinary {
  std::string version;  // "go1.19.8" from the build information; "" when it has none
  GoPclntab table;      // empty when the program carries no function table; its names
                        // point into the ElfFile's mapping
};

// nullopt when nothing says `elf` is a Go program; an Error naming the file when it is one
// and its function table is corrupt.
Result<std::optional<GoBinary>> ReadGoBinary(const ElfFile& elf);

// The Go release recorded in build information bytes (the start of .go.buildinfo);
// `elf` resolves the pointers of layouts older than Go 1.18. "" when unreadable.
std::string ParseGoBuildInfoVersion(ByteView info, const ElfFile& elf);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_GO_BINARY_H_

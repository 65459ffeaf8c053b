// Fuzz target: the ELF reader (headers, sections, segments, dynamic section, symbol tables
// with versions, relocations, notes), the .eh_frame parser and Go program detection must
// accept or reject any bytes without crashing, hanging or tripping a sanitizer.
// The reader maps a path, so each input is written to one memfd opened through /proc.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "elf/eh_frame.h"
#include "elf/elf_file.h"
#include "elf/go_binary.h"

namespace {

// The memfd every input goes through; it lives as long as the fuzzer.
int InputFd() {
  static const int fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
  if (fd < 0) abort();
  return fd;
}

// Reads every table the reader exposes, so a view pointing outside the mapping shows up
// under AddressSanitizer even when the reader itself never looks at it again.
uint64_t TouchEverything(const sysfence::ElfFile& elf) {
  uint64_t sum = elf.entry() + elf.interpreter().size() + elf.build_id().size();
  for (const sysfence::ElfSection& s : elf.sections()) sum += s.name.size() + s.size;
  for (std::string_view needed : elf.dynamic().needed) sum += needed.size();
  sum += elf.dynamic().soname.size() + elf.dynamic().rpath.size() + elf.dynamic().runpath.size();
  for (const auto* table : {&elf.dynamic_symbols(), &elf.symbols()}) {
    for (const sysfence::ElfSymbol& symbol : *table) {
      if (!symbol.name.empty()) sum += static_cast<uint8_t>(symbol.name.back());
      if (!symbol.version.empty()) sum += static_cast<uint8_t>(symbol.version.back());
    }
  }
  for (const sysfence::ElfRelocation& r : elf.relocations()) sum += r.offset + r.symbol;
  if (std::optional<sysfence::ByteView> code = elf.ReadVirtual(elf.entry(), 16)) {
    sum += code->size();
  }
  if (std::optional<std::string_view> text = elf.ReadVirtualString(elf.entry())) {
    sum += text->size();
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = InputFd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    abort();
  }
  sysfence::Result<std::unique_ptr<sysfence::ElfFile>> elf =
      sysfence::ElfFile::Open("/proc/self/fd/" + std::to_string(fd));
  if (!elf.ok()) return 0;
  volatile uint64_t sink = TouchEverything(**elf);
  (void)sink;
  sysfence::Result<sysfence::EhFrame> eh_frame = sysfence::ReadEhFrame(**elf);
  if (eh_frame.ok()) {
    for (const sysfence::FdeRange& range : eh_frame->ranges) {
      if (range.begin > range.end) abort();  // the parser promises ordered ranges
    }
  }
  sysfence::Result<std::optional<sysfence::GoBinary>> go = sysfence::ReadGoBinary(**elf);
  if (go.ok() && go->has_value()) {
    for (const sysfence::GoFunction& f : (*go)->table.functions) {
      if (f.entry >= f.end) abort();
    }
  }
  return 0;
}

// Speed of `sysfence static` on one program (default /usr/bin/ssh; `make bench-static` also
// runs it on a Go program, /usr/bin/caddy), side by side with its baseline: decoding all the
// code of the program, its libraries and the loader with Zydis in one linear sweep, which is
// the least any analysis of that code has to do. Every variant runs as a child process,
// measured the same way: wall time, user+system CPU, and peak RSS (getrusage of the child).
// A last variant leaves out the argument values (--no-args), to show what they cost.
// Reports the median of several runs and the ratios to the baseline.
//
//   static_bench SYSFENCE [PROGRAM] [--runs N]
//   static_bench --decode-only PROGRAM      (the baseline itself; used by the bench)
#include <Zydis/Zydis.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "child_run.h"
#include "elf/library_resolver.h"

namespace {

using sysfence::ElfFile;
using sysfence::LibraryResolver;
using sysfence::LoadedObject;
using sysfence::LoadList;

// Decodes every executable section of the program's load closure; prints the count.
int DecodeOnly(const std::string& program) {
  auto elf = ElfFile::Open(program);
  if (!elf.ok()) {
    std::fprintf(stderr, "%s\n", elf.error().message().c_str());
    return 2;
  }
  LibraryResolver resolver({});
  LoadList list =
      resolver.LoadClosure({std::shared_ptr<ElfFile>(std::move(*elf)), program, "", "program"});
  ZydisDecoder decoder;
  ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  uint64_t instructions = 0, bytes_total = 0;
  for (const LoadedObject& object : list.objects) {
    for (const sysfence::ElfSection& section : object.elf->sections()) {
      if (!section.IsAllocated() || !section.IsExecutable() || !section.HasFileBytes()) continue;
      std::optional<sysfence::ByteView> code =
          object.elf->bytes().Sub(section.offset, section.size);
      if (!code) continue;
      bytes_total += code->size();
      ZydisDecodedInstruction insn;
      ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
      for (uint64_t offset = 0; offset < code->size();) {
        if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code->data() + offset,
                                                code->size() - offset, &insn, operands))) {
          offset += insn.length;
          ++instructions;
        } else {
          ++offset;
        }
      }
    }
  }
  std::printf("%zu objects, %llu bytes of code, %llu instructions\n", list.objects.size(),
              static_cast<unsigned long long>(bytes_total),
              static_cast<unsigned long long>(instructions));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--decode-only") return DecodeOnly(argv[2]);
  if (argc < 2) {
    std::fprintf(stderr, "usage: static_bench SYSFENCE [PROGRAM] [--runs N]\n");
    return 2;
  }
  std::string sysfence = argv[1];
  std::string program = "/usr/bin/ssh";
  int runs = 5;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      program = a;
    }
  }
  std::string self = std::filesystem::canonical("/proc/self/exe").string();
  char cache_template[] = "/tmp/sysfence-bench-XXXXXX";
  std::string cache = mkdtemp(cache_template);

  std::printf("static_bench: %s, %d runs each, medians (the machine has %ld cores)\n",
              program.c_str(), runs, sysconf(_SC_NPROCESSORS_ONLN));
  RunChild({self, "--decode-only", program}, false);
  struct Variant {
    const char* name;
    std::vector<std::string> argv;
  };
  std::vector<Variant> variants = {
      {"baseline: Zydis decode of all code", {self, "--decode-only", program}},
      {"cold, 2 threads (--no-cache)",
       {sysfence, "static", "--no-cache", "-o", "/dev/null", program}},
      {"cold, 1 thread",
       {sysfence, "static", "--no-cache", "--threads", "1", "-o", "/dev/null", program}},
      {"warm cache", {sysfence, "static", "--cache-dir", cache, "-o", "/dev/null", program}},
      // What finding the argument values costs: the same without them.
      {"warm cache, --no-args",
       {sysfence, "static", "--no-args", "--cache-dir", cache, "-o", "/dev/null", program}},
  };
  RunChild(variants[3].argv, true);  // fills the cache
  std::vector<ChildRun> results;
  for (const Variant& v : variants) {
    std::vector<ChildRun> samples;
    for (int r = 0; r < runs; ++r) samples.push_back(RunChild(v.argv, true));
    results.push_back(Median(samples));
  }
  std::printf("%-38s %9s %9s %10s %9s\n", "variant", "wall s", "cpu s", "peak MiB", "x decode");
  for (size_t i = 0; i < variants.size(); ++i) {
    std::printf("%-38s %9.3f %9.3f %10.1f %9.1f\n", variants[i].name, results[i].wall,
                results[i].cpu, results[i].rss_mib, results[i].cpu / results[0].cpu);
  }
  std::filesystem::remove_all(cache);
  return 0;
}

// Pins down the object index on a real library (libz, and the libc it calls into): every
// call site is listed under its target and nowhere else, every export is found by name and
// passes the Bloom filter (names exported more than once visited in symbol order, highest
// first), and LinkedProgram::CallsTo joins the object's own calls with the
// PLT calls of the objects bound to it.
#include "analysis/object_index.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "analysis/function_locator.h"
#include "analysis/linked_program.h"
#include "analysis/object_analyzer.h"

namespace sysfence {
namespace {

struct Analysed {
  std::shared_ptr<ElfFile> elf;
  std::shared_ptr<const ObjectSummary> summary;
};

Analysed Analyse(const std::string& path) {
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  EXPECT_TRUE(elf.ok()) << path;
  Analysed out;
  out.elf = std::shared_ptr<ElfFile>(std::move(*elf));
  Result<ObjectSummary> summary = AnalyzeObject(*out.elf);
  EXPECT_TRUE(summary.ok()) << path;
  out.summary = std::make_shared<ObjectSummary>(std::move(*summary));
  return out;
}

TEST(ObjectIndex, ListsEveryCallUnderItsTargetOnce) {
  Analysed z = Analyse("/lib/x86_64-linux-gnu/libz.so.1");
  const ObjectSummary& s = *z.summary;
  ObjectIndex index(*z.elf, s);
  size_t direct = 0, imported = 0;
  for (uint32_t f = 0; f < s.functions.size(); ++f) {
    for (uint32_t i = s.functions[f].calls_begin;
         i < s.functions[f].calls_begin + s.functions[f].calls_count; ++i) {
      const CallSite& c = s.calls[i];
      std::span<const IncomingCall> list;
      if (c.target_kind == TargetKind::kFunction) {
        list = index.CallsTo(c.target);
        ++direct;
      } else if (c.target_kind == TargetKind::kImport) {
        list = index.CallsToImport(c.target);
        ++imported;
      } else {
        continue;
      }
      EXPECT_EQ(
          std::count_if(list.begin(), list.end(),
                        [&](const IncomingCall& in) { return in.function == f && in.call == i; }),
          1)
          << "call at " << std::hex << c.address;
    }
  }
  ASSERT_GT(direct, 100u);
  ASSERT_GT(imported, 10u);
  size_t listed_direct = 0, listed_imported = 0;
  for (uint32_t f = 0; f < s.functions.size(); ++f) listed_direct += index.CallsTo(f).size();
  for (uint32_t symbol : index.CalledImports()) {
    EXPECT_FALSE(index.CallsToImport(symbol).empty());
    listed_imported += index.CallsToImport(symbol).size();
  }
  EXPECT_EQ(listed_direct, direct);
  EXPECT_EQ(listed_imported, imported);
  EXPECT_TRUE(index.CallsTo(static_cast<uint32_t>(s.functions.size())).empty());
}

TEST(ObjectIndex, FindsEveryExportAndTheFilterPassesThem) {
  Analysed z = Analyse("/lib/x86_64-linux-gnu/libz.so.1");
  ObjectIndex index(*z.elf, *z.summary);
  size_t exports = 0;
  for (const ElfSymbol& sym : z.elf->dynamic_symbols()) {
    if (!sym.IsDefined() || sym.name.empty() || sym.binding == STB_LOCAL) continue;
    HashedName name(sym.name);
    EXPECT_TRUE(index.MayExport(name)) << sym.name;
    size_t found = 0;
    index.VisitExports(name, [&](uint32_t symbol) {
      EXPECT_EQ(z.elf->dynamic_symbols()[symbol].name, sym.name);
      ++found;
      return false;
    });
    EXPECT_GE(found, 1u) << sym.name;
    ++exports;
  }
  EXPECT_GT(exports, 50u);  // deflate, inflate, crc32...
  size_t passed = 0;
  for (int i = 0; i < 1000; ++i) {
    passed += index.MayExport(HashedName("no_such_symbol_" + std::to_string(i)));
  }
  EXPECT_LT(passed, 100u) << "the filter lets almost every miss through";
}

// libc exports some names more than once (memcpy@GLIBC_2.2.5 and memcpy@@GLIBC_2.14): each
// is visited once, the highest symbol index first, the order symbol lookups rely on.
TEST(ObjectIndex, VisitsEveryExportOfANameOnceHighestIndexFirst) {
  Analysed c = Analyse("/lib/x86_64-linux-gnu/libc.so.6");
  ObjectIndex index(*c.elf, *c.summary);
  const auto& symbols = c.elf->dynamic_symbols();
  std::map<std::string_view, std::vector<uint32_t>> expected;
  for (uint32_t i = static_cast<uint32_t>(symbols.size()); i-- > 1;) {
    const ElfSymbol& s = symbols[i];
    if (!s.IsDefined() || s.name.empty() || s.binding == STB_LOCAL || s.visibility == STV_HIDDEN ||
        s.visibility == STV_INTERNAL) {
      continue;
    }
    expected[s.name].push_back(i);
  }
  size_t repeated = 0;
  for (const auto& [name, indexes] : expected) {
    std::vector<uint32_t> visited;
    index.VisitExports(HashedName(name), [&](uint32_t symbol) {
      visited.push_back(symbol);
      return false;
    });
    EXPECT_EQ(visited, indexes) << name;
    repeated += indexes.size() > 1;
  }
  EXPECT_GT(repeated, 10u);  // memcpy, realpath, pthread_cond_wait...
}

// The name table gives what FindFunctionByName's walk over the symbol tables gives, for every
// symbol of the object, data and undefined ones included, and for names it does not have.
TEST(ObjectIndex, FunctionNamedAgreesWithTheSymbolWalk) {
  Analysed libc = Analyse("/lib/x86_64-linux-gnu/libc.so.6");
  ObjectIndex index(*libc.elf, *libc.summary);
  size_t found = 0;
  for (const auto* table : {&libc.elf->symbols(), &libc.elf->dynamic_symbols()}) {
    for (const ElfSymbol& sym : *table) {
      uint32_t expected = FindFunctionByName(*libc.elf, *libc.summary, sym.name);
      EXPECT_EQ(index.FunctionNamed(sym.name), expected) << sym.name;
      found += expected != kNoIndex;
    }
  }
  EXPECT_GT(found, 1000u);
  EXPECT_EQ(index.FunctionNamed("no_such_function"), kNoIndex);
}

TEST(LinkedProgram, CallsToJoinsOwnCallsAndBoundPltCalls) {
  Analysed z = Analyse("/lib/x86_64-linux-gnu/libz.so.1");
  Analysed c = Analyse("/lib/x86_64-linux-gnu/libc.so.6");
  LinkedProgram program;
  program.AddObject({z.elf, "/lib/x86_64-linux-gnu/libz.so.1", "", "program"}, z.summary);
  program.AddObject({c.elf, "/lib/x86_64-linux-gnu/libc.so.6", "", "DT_NEEDED"}, c.summary);
  std::optional<SymbolBinding> malloc_binding = program.ResolveByName("malloc");
  ASSERT_TRUE(malloc_binding.has_value());
  FunctionRef malloc_ref = program.FunctionOf(*malloc_binding);
  ASSERT_TRUE(malloc_ref.valid());
  EXPECT_EQ(malloc_ref.object, 1u);
  size_t from_z = 0;
  for (const ProgramCall& call : program.CallsTo(malloc_ref, /*at_entry=*/true)) {
    if (call.caller.object == 0) ++from_z;
  }
  EXPECT_GT(from_z, 0u) << "libz calls malloc through its PLT";
  // Every listed call really targets malloc.
  for (const ProgramCall& call : program.CallsTo(malloc_ref, /*at_entry=*/false)) {
    if (call.call->target_kind == TargetKind::kFunction) {
      EXPECT_EQ(call.caller.object, malloc_ref.object);
      EXPECT_EQ(call.call->target, malloc_ref.function);
    } else {
      ASSERT_EQ(call.call->target_kind, TargetKind::kImport);
      std::optional<SymbolBinding> b = program.Resolve(call.caller.object, call.call->target);
      ASSERT_TRUE(b.has_value());
      EXPECT_EQ(program.FunctionOf(*b), malloc_ref);
    }
  }
}

}  // namespace
}  // namespace sysfence

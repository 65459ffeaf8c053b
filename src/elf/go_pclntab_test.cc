// Pins down the Go function table reader: each layout (Go 1.2, 1.16, 1.18, 1.20) built byte
// by byte gives back its functions, and corrupt tables (cut short, out of order, offsets
// pointing outside) are Errors naming the file, never crashes.
#include "elf/go_pclntab.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace sysfence {
namespace {

struct TestFunction {
  uint64_t entry;
  std::string name;
  int32_t args;
};

void Put32(std::string& bytes, uint64_t at, uint32_t value) {
  if (bytes.size() < at + 4) bytes.resize(at + 4);
  std::memcpy(bytes.data() + at, &value, 4);
}
void Put64(std::string& bytes, uint64_t at, uint64_t value) {
  if (bytes.size() < at + 8) bytes.resize(at + 8);
  std::memcpy(bytes.data() + at, &value, 8);
}

// A function table in the layout of `magic`, laid out as the Go linker does: header, names,
// function table, records. `end` is the end of the last function.
std::string BuildTable(uint32_t magic, uint64_t text_start,
                       const std::vector<TestFunction>& functions, uint64_t end) {
  bool go12 = magic == kGoPclntabMagic12;
  bool offsets32 = magic == kGoPclntabMagic118 || magic == kGoPclntabMagic120;
  uint64_t entry_size = offsets32 ? 4 : 8;
  uint64_t header = go12 ? 16 : offsets32 ? 72 : 64;
  std::string bytes(header, '\0');
  Put32(bytes, 0, magic);
  bytes[6] = 1;
  bytes[7] = 8;
  Put64(bytes, 8, functions.size());
  // Names right after the header (Go 1.2: they follow the records instead).
  std::vector<uint64_t> name_offsets;
  uint64_t names = header;
  if (!go12) {
    for (const TestFunction& f : functions) {
      name_offsets.push_back(bytes.size() - names);
      bytes += f.name;
      bytes.push_back('\0');
    }
    while (bytes.size() % 8) bytes.push_back('\0');
  }
  uint64_t functab = go12 ? 16 : bytes.size();
  uint64_t records = functab + (2 * functions.size() + 1) * entry_size;
  uint64_t record_size = entry_size + 8;
  bytes.resize(records + functions.size() * record_size, '\0');
  if (go12) {
    for (const TestFunction& f : functions) {
      name_offsets.push_back(bytes.size());  // from the table start
      bytes += f.name;
      bytes.push_back('\0');
    }
  }
  uint64_t base = go12 ? 0 : functab;
  auto put_entry = [&](uint64_t at, uint64_t value) {
    if (offsets32) {
      Put32(bytes, at, static_cast<uint32_t>(value - text_start));
    } else {
      Put64(bytes, at, value);
    }
  };
  for (size_t i = 0; i < functions.size(); ++i) {
    uint64_t record = records + i * record_size;
    put_entry(functab + 2 * i * entry_size, functions[i].entry);
    if (offsets32) {
      Put32(bytes, functab + (2 * i + 1) * 4, static_cast<uint32_t>(record - base));
    } else {
      Put64(bytes, functab + (2 * i + 1) * 8, record - base);
    }
    put_entry(record, functions[i].entry);
    Put32(bytes, record + entry_size, static_cast<uint32_t>(name_offsets[i]));
    Put32(bytes, record + entry_size + 4, static_cast<uint32_t>(functions[i].args));
  }
  put_entry(functab + 2 * functions.size() * entry_size, end);
  if (!go12) {
    uint64_t field = offsets32 ? 32 : 24;  // funcnameOffset
    if (offsets32) Put64(bytes, 24, text_start);
    Put64(bytes, field, names);
    Put64(bytes, field + 32, functab);  // pclnOffset
  }
  return bytes;
}

ByteView View(const std::string& bytes) {
  return ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

const std::vector<TestFunction> kFunctions = {
    {0x401000, "runtime.text", 0},     {0x401020, "runtime/internal/syscall.Syscall6", 56},
    {0x401060, "syscall.alias", 0},  // empty: shares its entry with the next function
    {0x401060, "syscall.Syscall", 32}, {0x401100, "main.main", 0},
};

void ExpectFunctions(const GoPclntab& table) {
  ASSERT_EQ(table.functions.size(), 4u);
  EXPECT_EQ(table.functions[0].name, "runtime.text");
  EXPECT_EQ(table.functions[0].entry, 0x401000u);
  EXPECT_EQ(table.functions[0].end, 0x401020u);
  EXPECT_EQ(table.functions[1].name, "runtime/internal/syscall.Syscall6");
  EXPECT_EQ(table.functions[1].args, 56);
  EXPECT_EQ(table.functions[2].name, "syscall.Syscall");
  EXPECT_EQ(table.functions[2].end, 0x401100u);
  EXPECT_EQ(table.functions[3].name, "main.main");
  EXPECT_EQ(table.functions[3].end, 0x401180u);
}

TEST(GoPclntab, ReadsTheGo118Layout) {
  std::string bytes = BuildTable(kGoPclntabMagic118, 0x401000, kFunctions, 0x401180);
  Result<GoPclntab> table = ParseGoPclntab(View(bytes), "prog");
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_EQ(table->magic, kGoPclntabMagic118);
  EXPECT_EQ(table->text_start, 0x401000u);
  ExpectFunctions(*table);
}

TEST(GoPclntab, ReadsTheGo120Layout) {
  std::string bytes = BuildTable(kGoPclntabMagic120, 0x400000, kFunctions, 0x401180);
  Result<GoPclntab> table = ParseGoPclntab(View(bytes), "prog");
  ASSERT_TRUE(table.ok()) << table.error().message();
  ExpectFunctions(*table);
}

TEST(GoPclntab, ReadsTheGo116Layout) {
  std::string bytes = BuildTable(kGoPclntabMagic116, 0, kFunctions, 0x401180);
  Result<GoPclntab> table = ParseGoPclntab(View(bytes), "prog");
  ASSERT_TRUE(table.ok()) << table.error().message();
  ExpectFunctions(*table);
}

TEST(GoPclntab, ReadsTheGo12Layout) {
  std::string bytes = BuildTable(kGoPclntabMagic12, 0, kFunctions, 0x401180);
  Result<GoPclntab> table = ParseGoPclntab(View(bytes), "prog");
  ASSERT_TRUE(table.ok()) << table.error().message();
  ExpectFunctions(*table);
}

TEST(GoPclntab, RecognisesHeadersOnlyForX8664) {
  std::string bytes = BuildTable(kGoPclntabMagic118, 0x401000, kFunctions, 0x401180);
  EXPECT_TRUE(LooksLikeGoPclntab(View(bytes)));
  std::string four_byte_pointers = bytes;
  four_byte_pointers[7] = 4;
  EXPECT_FALSE(LooksLikeGoPclntab(View(four_byte_pointers)));
  std::string other_magic = bytes;
  other_magic[0] = 0x12;
  EXPECT_FALSE(LooksLikeGoPclntab(View(other_magic)));
  Result<GoPclntab> table = ParseGoPclntab(View(other_magic), "prog");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().message(),
            "prog: corrupt Go function table (.gopclntab): unknown magic or not an x86-64 "
            "table (pointer size 8, quantum 1)");
}

// Each corruption, and the message that names it.
TEST(GoPclntab, CorruptTablesAreErrorsNamingTheFile) {
  std::string good = BuildTable(kGoPclntabMagic118, 0x401000, kFunctions, 0x401180);
  auto message = [](const std::string& bytes) {
    Result<GoPclntab> table = ParseGoPclntab(View(bytes), "prog");
    return table.ok() ? std::string("ok") : table.error().message();
  };
  const std::string prefix = "prog: corrupt Go function table (.gopclntab): ";
  EXPECT_EQ(message(good.substr(0, 6)), prefix + "shorter than its header");
  EXPECT_EQ(message(good.substr(0, 40)), prefix + "header cut short");

  std::string many = good;
  Put64(many, 8, 1u << 30);
  EXPECT_EQ(message(many), prefix + "implausible function count 1073741824");

  std::string past = good;
  Put64(past, 64, good.size());  // pclnOffset at the very end
  EXPECT_EQ(message(past), prefix + "function table runs past the end");

  uint64_t functab = *View(good).Read<uint64_t>(64);
  std::string disorder = good;
  Put32(disorder, functab, 0x30);  // the first entry after the second
  EXPECT_EQ(message(disorder), prefix + "function 0 is not in address order");

  std::string record = good;
  Put32(record, functab + 4, 0x7fffffff);
  EXPECT_EQ(message(record), prefix + "record of function 0 runs past the end");

  std::string other_entry = good;
  uint64_t first_record = functab + *View(good).Read<uint32_t>(functab + 4);
  Put32(other_entry, first_record, 0x10);
  EXPECT_EQ(message(other_entry), prefix + "record of function 0 names another entry");

  std::string name = good;
  Put32(name, first_record + 4, 0x7ffffff0);
  EXPECT_EQ(message(name), prefix + "name of function 0 lies outside the table");
  Put32(name, first_record + 4, 0xfffffff0);
  EXPECT_EQ(message(name), prefix + "name of function 0 lies outside the table");
}

// Random bytes flipped anywhere in a table: a result or an Error, never a crash; whatever is
// accepted is still ordered and non-overlapping.
TEST(GoPclntab, SurvivesRandomCorruption) {
  for (uint32_t magic : {kGoPclntabMagic12, kGoPclntabMagic116, kGoPclntabMagic118}) {
    std::string good = BuildTable(magic, 0x401000, kFunctions, 0x401180);
    uint64_t state = magic;
    auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
    for (int round = 0; round < 2000; ++round) {
      std::string bytes = good;
      for (int flips = 0; flips < 3; ++flips) {
        bytes[(next() >> 33) % bytes.size()] = static_cast<char>(next() >> 40);
      }
      if (round % 7 == 0) bytes.resize((next() >> 33) % bytes.size());
      Result<GoPclntab> table = ParseGoPclntab(View(bytes), "fuzzed");
      if (!table.ok()) {
        EXPECT_EQ(table.error().message().rfind("fuzzed: corrupt Go function table", 0), 0u);
        continue;
      }
      for (size_t i = 0; i < table->functions.size(); ++i) {
        EXPECT_LT(table->functions[i].entry, table->functions[i].end);
        if (i > 0) {
          EXPECT_LE(table->functions[i - 1].end, table->functions[i].entry);
        }
      }
    }
  }
}

}  // namespace
}  // namespace sysfence

// Pins down that the decode memo never changes an answer: every instruction of real libraries,
// decoded at its own address through the memo, equals a fresh decode (full, without frame
// details, and sketched), while most lookups are answered from the memo; and that a hit
// rebuilds the fields that depend on where the instruction is.
#include "analysis/decode_memo.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/instruction.h"
#include "elf/elf_file.h"

namespace sysfence {
namespace {

// Decodes every instruction of `path`'s executable sections, in order, through the memo and
// afresh, and counts the differences.
void ExpectSameAnswers(const std::string& path) {
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  ASSERT_TRUE(elf.ok()) << path;
  InstructionDecoder remembering;
  InstructionDecoder fresh(DecodeMemory::kFresh);
  InstructionDecoder::MemoCounts before = InstructionDecoder::ThreadMemoCounts();
  size_t instructions = 0;
  size_t differences = 0;
  for (const ElfSection& section : (*elf)->sections()) {
    if (!section.IsExecutable() || section.size == 0) continue;
    std::optional<ByteView> code = (*elf)->ReadVirtual(section.address, section.size);
    ASSERT_TRUE(code.has_value()) << path;
    for (uint64_t offset = 0; offset < code->size();) {
      ByteView window = *code->From(offset);
      uint64_t address = section.address + offset;
      Instruction a, b;
      bool decoded = fresh.Decode(window, address, b);
      EXPECT_EQ(remembering.Decode(window, address, a), decoded) << path << " " << address;
      if (!decoded) {
        ++offset;
        continue;
      }
      ++instructions;
      differences += a == b ? 0 : 1;
      Instruction c, d;
      remembering.Decode(window, address, c, false);
      fresh.Decode(window, address, d, false);
      differences += c == d ? 0 : 1;
      InstructionSketch e, f;
      EXPECT_EQ(remembering.Sketch(window, address, e), fresh.Sketch(window, address, f));
      differences += e == f ? 0 : 1;
      offset += b.length;
    }
  }
  InstructionDecoder::MemoCounts after = InstructionDecoder::ThreadMemoCounts();
  uint64_t lookups = after.lookups - before.lookups;
  uint64_t hits = after.hits - before.hits;
  EXPECT_GT(instructions, 10000u) << path;
  EXPECT_EQ(differences, 0u) << path;
  // Three lookups per instruction; most of them answered from the memo.
  EXPECT_GE(lookups, 3 * instructions * 9 / 10) << path;
  EXPECT_GT(hits, lookups / 2) << path;
}

TEST(DecodeMemo, AnswersAsAFreshDecoderOverRealLibraries) {
  ExpectSameAnswers("/usr/lib/x86_64-linux-gnu/libc.so.6");
  ExpectSameAnswers("/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
}

// A call rel32 (e8) and a rip-relative load (48 8b 05 disp32), each with 16 readable bytes.
std::vector<uint8_t> Padded(std::vector<uint8_t> bytes) {
  bytes.resize(kMemoWindow, 0x90);
  return bytes;
}

TEST(DecodeMemo, AHitRebuildsTheBranchTargetAndTheRipRelativeAddress) {
  InstructionDecoder decoder;
  // The shape is guessed from the first two bytes seen before: keep the offset's low byte.
  std::vector<uint8_t> call1 = Padded({0xe8, 0x10, 0x00, 0x00, 0x00});
  std::vector<uint8_t> call2 = Padded({0xe8, 0x10, 0xff, 0xff, 0xff});
  Instruction insn;
  ASSERT_TRUE(decoder.Decode(ByteView(call1.data(), call1.size()), 0x1000, insn));
  EXPECT_EQ(insn.target, 0x1015u);
  InstructionDecoder::MemoCounts before = InstructionDecoder::ThreadMemoCounts();
  ASSERT_TRUE(decoder.Decode(ByteView(call2.data(), call2.size()), 0x2000, insn));
  EXPECT_EQ(InstructionDecoder::ThreadMemoCounts().hits, before.hits + 1);
  EXPECT_EQ(insn.address, 0x2000u);
  EXPECT_EQ(insn.flow, Flow::kCall);
  EXPECT_EQ(insn.target, 0x2005u - 0xf0);

  std::vector<uint8_t> load1 = Padded({0x48, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00});
  std::vector<uint8_t> load2 = Padded({0x48, 0x8b, 0x05, 0x00, 0x02, 0x00, 0x00});
  ASSERT_TRUE(decoder.Decode(ByteView(load1.data(), load1.size()), 0x1000, insn));
  EXPECT_EQ(insn.memory, 0x1107u);
  before = InstructionDecoder::ThreadMemoCounts();
  ASSERT_TRUE(decoder.Decode(ByteView(load2.data(), load2.size()), 0x3000, insn));
  EXPECT_EQ(InstructionDecoder::ThreadMemoCounts().hits, before.hits + 1);
  EXPECT_EQ(insn.memory, 0x3207u);
  EXPECT_EQ(insn.op, RegisterOp::kLoadMemory);
  InstructionSketch sketch;
  ASSERT_TRUE(decoder.Sketch(ByteView(load1.data(), load1.size()), 0x1000, sketch));
  ASSERT_TRUE(decoder.Sketch(ByteView(load2.data(), load2.size()), 0x4000, sketch));
  EXPECT_EQ(sketch.data_address, 0x4207u);
  EXPECT_EQ(sketch.data_access, DataAccess::kRead);
}

TEST(DecodeMemo, OnlyTheSameBytesOutsideTheFieldMatch) {
  ShapePredictor shapes;
  DecodeMemo<int> memo(8);
  // mov $1,%eax and mov $2,%eax: the immediate is not a relative field, so it is kept.
  std::vector<uint8_t> one = Padded({0xb8, 0x01, 0x00, 0x00, 0x00});
  std::vector<uint8_t> two = Padded({0xb8, 0x02, 0x00, 0x00, 0x00});
  InstructionShape shape{5, 0, 0};
  EXPECT_EQ(memo.Find(one.data(), shapes, 0), nullptr);
  memo.Insert(one.data(), shape, 0, 0, 1);
  shapes.Learn(one.data(), shape);
  ASSERT_NE(memo.Find(one.data(), shapes, 0), nullptr);
  EXPECT_EQ(memo.Find(one.data(), shapes, 0)->value, 1);
  EXPECT_EQ(memo.Find(one.data(), shapes, 1), nullptr);  // another tag
  EXPECT_EQ(memo.Find(two.data(), shapes, 0), nullptr);
  // The bytes after the instruction do not matter.
  std::vector<uint8_t> followed = one;
  followed[5] = 0xc3;
  ASSERT_NE(memo.Find(followed.data(), shapes, 0), nullptr);
}

}  // namespace
}  // namespace sysfence

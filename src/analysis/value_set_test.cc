// Pins down the data flow lattice: union of atoms, top absorbs, more than four atoms is top.
#include "analysis/value_set.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(ValueSet, JoinIsUnionUntilTooManyAtoms) {
  ValueSet v = ValueSet::Constant(1);
  EXPECT_TRUE(v.Join(ValueSet::Constant(2)));
  EXPECT_FALSE(v.Join(ValueSet::Constant(2)));
  EXPECT_EQ(v.size(), 2);
  EXPECT_TRUE(v.Join(ValueSet::Argument(kRdi)));
  EXPECT_TRUE(v.Join(ValueSet::Constant(3)));
  EXPECT_FALSE(v.IsTop());
  EXPECT_TRUE(v.Join(ValueSet::Constant(4)));  // a fifth atom
  EXPECT_TRUE(v.IsTop());
}

TEST(ValueSet, TopAbsorbsAndBottomIsNeutral) {
  ValueSet v = ValueSet::Bottom();
  EXPECT_TRUE(v.Join(ValueSet::Constant(7)));
  EXPECT_EQ(v, ValueSet::Constant(7));
  EXPECT_FALSE(v.Join(ValueSet::Bottom()));
  EXPECT_TRUE(v.Join(ValueSet::Top()));
  EXPECT_TRUE(v.IsTop());
  EXPECT_FALSE(v.Join(ValueSet::Constant(1)));
}

TEST(ValueSet, ArithmeticOnlyOnConstants) {
  ValueSet v = ValueSet::Constant(202);
  v.Join(ValueSet::Constant(200));
  ValueSet plus = v.MapConstants([](uint64_t c) { return c + 1; });
  EXPECT_EQ(plus.ToString(), "{203, 201}");
  EXPECT_TRUE(ValueSet::Argument(kRsi).MapConstants([](uint64_t c) { return c; }).IsTop());
}

TEST(Atom, KindsRoundTripThroughBits) {
  EXPECT_EQ(Atom::FromBits(Atom::Argument(kR8).bits()).ToString(), "arg:r8");
  EXPECT_EQ(Atom::FromBits(Atom::Address(0x1234).bits()).ToString(), "addr:0x1234");
  EXPECT_TRUE(Atom::ImportAddress(5).IsImportAddress());
  EXPECT_FALSE(Atom::Address(5).IsImportAddress());
  EXPECT_TRUE(Atom::Address(5).IsLocalAddress());
}

}  // namespace
}  // namespace sysfence

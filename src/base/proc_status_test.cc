// Reading /proc/PID/status fields, on a sample text and on this process.
#include "base/proc_status.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace sysfence {
namespace {

constexpr std::string_view kStatus =
    "Name:\tsshd\n"
    "Tgid:\t4242\n"
    "PPid:\t1\n"
    "TracerPid:\t0\n"
    "Uid:\t1000\t0\t0\t0\n"
    "CapEff:\t000001ffffffffff\n";

TEST(ProcStatus, FieldIsTheTextAfterTheKeyOnItsOwnLine) {
  EXPECT_EQ(StatusField(kStatus, "Name"), "sshd");
  EXPECT_EQ(StatusField(kStatus, "Pid"), "");  // not "PPid" nor "TracerPid"
  EXPECT_EQ(StatusField(kStatus, "Missing"), "");
  EXPECT_EQ(StatusField("Tgid:", "Tgid"), "");
}

TEST(ProcStatus, NumbersReadEveryColumnInTheBaseAsked) {
  EXPECT_EQ(StatusNumbers(kStatus, "Uid"), (std::vector<long long>{1000, 0, 0, 0}));
  EXPECT_EQ(StatusNumbers(kStatus, "CapEff", 16), (std::vector<long long>{0x1ffffffffffLL}));
  EXPECT_EQ(StatusNumbers(kStatus, "Name"), std::vector<long long>{});
}

TEST(ProcStatus, LineageOfThisProcess) {
  ProcessLineage lineage = ReadLineage(getpid());
  EXPECT_EQ(lineage.tgid, getpid());
  EXPECT_EQ(lineage.ppid, getppid());
  EXPECT_EQ(ReadLineage(0x3fffffff).tgid, 0);
}

}  // namespace
}  // namespace sysfence

// Pins down the argument table: every generated name has the value the system headers give
// it, every row's syscall and group are what the kernel uses, and values print and parse
// back by name (AF_INET, CLONE_VM|CLONE_THREAD, O_WRONLY|O_CREAT) or as numbers.
#include "syscalls/argument_table.h"

#include <gtest/gtest.h>

// The headers scripts/gen_argument_names.py read (src/syscalls/data/argument_names.txt).
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kd.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <linux/vt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <termios.h>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

TEST(ArgumentTable, GeneratedNamesHaveTheHeadersValues) {
  int checked = 0;
#define SYSFENCE_NAMES_BEGIN(group)
#define SYSFENCE_NAME(name, value)                                                           \
  EXPECT_EQ(static_cast<uint64_t>(value), static_cast<uint64_t>(static_cast<int64_t>(name))) \
      << #name;                                                                              \
  ++checked;
#define SYSFENCE_NAMES_END(group)
#include "syscalls/argument_names.inc"
  EXPECT_GT(checked, 400);
}

int Nr(std::string_view name) { return *SyscallNumber(name); }

TEST(ArgumentTable, RowsNameTheKernelsArguments) {
  const ArgumentSpec* domain = FindArgumentSpec(Nr("socket"), "domain");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(domain->index, 0);
  const ArgumentSpec* request = FindArgumentSpec(Nr("ioctl"), "request");
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->index, 1);
  const ArgumentSpec* prot = FindArgumentSpec(Nr("mprotect"), "prot");
  ASSERT_NE(prot, nullptr);
  EXPECT_EQ(prot->index, 2);
  EXPECT_EQ(prot->mask, static_cast<uint64_t>(PROT_WRITE | PROT_EXEC));
  const ArgumentSpec* flags = FindArgumentSpec(Nr("openat"), "flags");
  ASSERT_NE(flags, nullptr);
  EXPECT_EQ(flags->index, 2);
  EXPECT_EQ(flags->mask, static_cast<uint64_t>(O_ACCMODE | O_CREAT));
  const ArgumentSpec* clone = FindArgumentSpec(Nr("clone"), "flags");
  ASSERT_NE(clone, nullptr);
  EXPECT_EQ(clone->mask, static_cast<uint64_t>(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                               CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                               CLONE_NEWNET | CLONE_THREAD | CLONE_VM));
  const ArgumentSpec* unshare = FindArgumentSpec(Nr("unshare"), "flags");
  ASSERT_NE(unshare, nullptr);
  EXPECT_TRUE(unshare->mask & CLONE_NEWTIME);
  EXPECT_EQ(FindArgumentSpec(Nr("socket"), "protocol"), nullptr);
  EXPECT_TRUE(ArgumentSpecsOf(Nr("read")).empty());
  EXPECT_EQ(ArgumentSpecsOf(Nr("setsockopt")).size(), 2u);
  // Ordered by syscall, then argument.
  std::span<const ArgumentSpec> all = ArgumentSpecs();
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(std::make_pair(all[i - 1].syscall, all[i - 1].index),
              std::make_pair(all[i].syscall, all[i].index));
  }
}

TEST(ArgumentTable, ValuesPrintByNameAndParseBack) {
  const ArgumentSpec& domain = *FindArgumentSpec(Nr("socket"), "domain");
  EXPECT_EQ(FormatArgumentValue(domain, AF_INET), "AF_INET");
  EXPECT_EQ(FormatArgumentValue(domain, AF_UNIX), "AF_UNIX");  // not its alias AF_LOCAL
  EXPECT_EQ(ParseArgumentValue(domain, "AF_LOCAL"), uint64_t{AF_UNIX});
  EXPECT_EQ(FormatArgumentValue(domain, 200), "200");
  EXPECT_EQ(ParseArgumentValue(domain, "200"), 200u);
  const ArgumentSpec& type = *FindArgumentSpec(Nr("socket"), "type");
  EXPECT_EQ(type.Masked(SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK), uint64_t{SOCK_STREAM});
  const ArgumentSpec& request = *FindArgumentSpec(Nr("ioctl"), "request");
  EXPECT_EQ(FormatArgumentValue(request, TIOCSTI), "TIOCSTI");
  EXPECT_EQ(FormatArgumentValue(request, 0xabcd1234), "0xabcd1234");
  EXPECT_EQ(ParseArgumentValue(request, "0xabcd1234"), 0xabcd1234u);
  // A sign-extended request reads as the 32 bits the kernel uses.
  EXPECT_EQ(request.Masked(
                static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(FS_IOC_GETFLAGS)))),
            static_cast<uint64_t>(FS_IOC_GETFLAGS));
  const ArgumentSpec& clone = *FindArgumentSpec(Nr("clone"), "flags");
  uint64_t thread =
      clone.Masked(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                   CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID);
  EXPECT_EQ(FormatArgumentValue(clone, thread), "CLONE_VM|CLONE_THREAD");
  EXPECT_EQ(ParseArgumentValue(clone, "CLONE_VM|CLONE_THREAD"), thread);
  EXPECT_EQ(FormatArgumentValue(clone, clone.Masked(SIGCHLD | CLONE_CHILD_SETTID)), "0");
  EXPECT_EQ(ParseArgumentValue(clone, "0"), 0u);
  EXPECT_EQ(ParseArgumentValue(clone, "CLONE_FILES"), std::nullopt);  // outside the mask
  const ArgumentSpec& open = *FindArgumentSpec(Nr("openat"), "flags");
  EXPECT_EQ(FormatArgumentValue(open, open.Masked(O_RDONLY | O_CLOEXEC)), "O_RDONLY");
  EXPECT_EQ(FormatArgumentValue(open, open.Masked(O_WRONLY | O_CREAT | O_TRUNC)),
            "O_WRONLY|O_CREAT");
  const ArgumentSpec& prot = *FindArgumentSpec(Nr("mmap"), "prot");
  EXPECT_EQ(FormatArgumentValue(prot, prot.Masked(PROT_READ)), "PROT_NONE");
  EXPECT_EQ(FormatArgumentValue(prot, prot.Masked(PROT_READ | PROT_EXEC)), "PROT_EXEC");
  EXPECT_EQ(ParseArgumentValue(prot, "PROT_WRITE|PROT_EXEC"), uint64_t{PROT_WRITE | PROT_EXEC});
  EXPECT_EQ(ParseArgumentValue(prot, "PROT_FLY"), std::nullopt);
  EXPECT_EQ(ParseArgumentValue(prot, ""), std::nullopt);
}

// Readers of decoded text (import-strace) drop the names a flag group does not list: that is
// right only while each group names every bit its mask compares.
TEST(ArgumentTable, FlagGroupsNameEveryBitTheirMaskCompares) {
  for (const ArgumentSpec& spec : ArgumentSpecs()) {
    if (spec.kind != ArgumentKind::kFlags) continue;
    uint64_t named = 0;
    for (const NamedValue& n : spec.names) named |= n.value;
    EXPECT_EQ(spec.mask & ~named, 0u) << SyscallName(spec.syscall) << " " << spec.name;
  }
}

TEST(ArgumentTable, MemoryArgumentsAreListed) {
  bool clone3 = false;
  for (const MemoryArguments& m : MemoryArgumentSyscalls()) {
    EXPECT_TRUE(SyscallNumber(m.syscall).has_value()) << m.syscall;
    clone3 |= m.syscall == "clone3";
  }
  EXPECT_TRUE(clone3);
}

}  // namespace
}  // namespace sysfence

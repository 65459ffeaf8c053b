// Pins down what the analysis knows about Go: which names are methods and which functions
// never return, and, on the stripped cgo build of the Go test program (tests/programs/go), the
// summary Go's conventions give: functions named from Go's table, syscall numbers passed in
// RAX through the syscall package's wrappers, on the stack to assembly functions (ABI0), and
// read from a package variable nothing writes.
#include "analysis/go_abi.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "analysis/object_analyzer.h"
#include "analysis/value_set.h"

namespace sysfence {
namespace {

TEST(GoAbi, MethodNames) {
  for (const char* method :
       {"os.(*File).ReadFrom", "main.viaInterface.Mark", "main.(*viaAssertion).MarkAsserted",
        "golang.org/x/sys/unix.(*FdSet).Set", "gopkg.in/yaml%2ev2.(*decoder).unmarshal",
        "sync/atomic.(*Pointer[...]).Load", "main.T[...].M", "os.(*File).Close.func1",
        "net/http.Header.Get"}) {
    EXPECT_TRUE(IsGoMethodName(method)) << method;
  }
  for (const char* function :
       {"syscall.Syscall", "main.main", "main.main.func1", "main.main.func1.2", "os.init.0",
        "os.init", "net.glob..func1", "main.Map[...]", "type..eq.main.T", "type:.eq.main.T",
        "main.T.M-fm", "runtime.morestack_noctxt", "golang.org/x/sys/unix.Syscall",
        "main.F.gowrap1", "weird"}) {
    EXPECT_FALSE(IsGoMethodName(function)) << function;
  }
}

TEST(GoAbi, PanicsNeverReturn) {
  for (const char* name :
       {"runtime.gopanic", "runtime.throw", "runtime.panicIndex", "runtime.goPanicSliceAlenU",
        "runtime.panicdivide", "runtime.panicwrap", "runtime.fatalpanic"}) {
    EXPECT_TRUE(IsGoNoReturn(name)) << name;
  }
  for (const char* name : {"runtime.panicCheck1", "runtime.throw.func1", "main.gopanic",
                           "runtime.gopanicking", "runtime.printpanics", "os.Exit"}) {
    EXPECT_FALSE(IsGoNoReturn(name)) << name;
  }
  EXPECT_TRUE(KeepsCallerFrame("runtime.morestack_noctxt"));
  EXPECT_FALSE(KeepsCallerFrame("runtime.newstack"));
  EXPECT_EQ(GoNumberSourceOf("runtime.runPerThreadSyscall"), "syscall.runtime_doAllThreadsSyscall");
  EXPECT_EQ(GoNumberSourceOf("runtime.main"), "");
}

class GoSummary : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string path =
        std::string(SYSFENCE_BINARY_DIR) + "/tests/programs/go/gomarkers_cgo_stripped";
    auto elf = ElfFile::Open(path);
    ASSERT_TRUE(elf.ok()) << elf.error().message();
    elf_ = std::move(*elf).release();
    auto summary = AnalyzeObject(*elf_);
    ASSERT_TRUE(summary.ok()) << summary.error().message();
    summary_ = new ObjectSummary(std::move(*summary));
  }
  static void TearDownTestSuite() {
    delete summary_;
    delete elf_;
  }

  static const FunctionSummary* Named(std::string_view name) {
    for (const FunctionSummary& f : summary_->functions) {
      if (summary_->NameOf(f) == name) return &f;
    }
    return nullptr;
  }
  // What the calls from `caller` to `callee` pass in `reg`, one string per call.
  static std::vector<std::string> Passed(std::string_view caller, std::string_view callee,
                                         int reg) {
    std::vector<std::string> values;
    const FunctionSummary* f = Named(caller);
    if (f == nullptr) return {"no " + std::string(caller)};
    for (const CallSite& c : summary_->CallsOf(*f)) {
      if (c.target_kind != TargetKind::kFunction ||
          summary_->NameOf(summary_->functions[c.target]) != callee) {
        continue;
      }
      std::string value = "unknown";
      if (auto atoms = summary_->ArgumentOf(c, TrackedSlot(reg))) {
        value.clear();
        for (uint64_t bits : *atoms) value += Atom::FromBits(bits).ToString();
      }
      values.push_back(value);
    }
    return values;
  }

  static ElfFile* elf_;
  static ObjectSummary* summary_;
};
ElfFile* GoSummary::elf_ = nullptr;
ObjectSummary* GoSummary::summary_ = nullptr;

TEST_F(GoSummary, FunctionsComeFromGosTable) {
  EXPECT_EQ(summary_->go_version.rfind("go1.", 0), 0u) << summary_->go_version;
  for (const char* name :
       {"main.main", "main.mark", "syscall.Syscall", "runtime/internal/syscall.Syscall6",
        "runtime.futex", "syscall.rawVforkSyscall"}) {
    const FunctionSummary* f = Named(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_TRUE(f->flags & kFunctionGo) << name;
  }
  // cgo's C code (_cgo_<hash>_Cfunc_cgo_marker, exported) keeps its FDE and C's conventions.
  auto c = std::find_if(summary_->functions.begin(), summary_->functions.end(),
                        [](const FunctionSummary& f) {
                          std::string_view name = summary_->NameOf(f);
                          return name.starts_with("_cgo_") && name.ends_with("_Cfunc_cgo_marker");
                        });
  ASSERT_NE(c, summary_->functions.end());
  EXPECT_FALSE(c->flags & kFunctionGo);
  EXPECT_TRUE(c->flags & kFunctionFromFde);
  // Methods are reachable through method tables; functions are not.
  auto table_called = [&](std::string_view name) {
    const FunctionSummary* f = Named(name);
    return f != nullptr && std::any_of(summary_->table_called_functions.begin(),
                                       summary_->table_called_functions.end(),
                                       [&](uint32_t i) { return &summary_->functions[i] == f; });
  };
  EXPECT_TRUE(table_called("main.(*viaAssertion).MarkAsserted"));
  EXPECT_TRUE(table_called("os.(*File).ReadFrom"));
  EXPECT_FALSE(table_called("main.mark"));
}

TEST_F(GoSummary, NumbersTravelInRaxThroughTheWrappers) {
  EXPECT_EQ(Passed("main.main", "syscall.Syscall", kRax), (std::vector<std::string>{"600"}));
  EXPECT_EQ(Passed("main.main", "syscall.RawSyscall", kRax), (std::vector<std::string>{"601"}));
  // Two and three levels up: mark(number) and the wrappers around it pass RAX on.
  EXPECT_EQ(Passed("main.wrapperOne", "main.wrapperTwo", kRax),
            (std::vector<std::string>{"arg:rax"}));
  EXPECT_EQ(Passed("main.mark", "syscall.Syscall", kRax), (std::vector<std::string>{"arg:rax"}));
  // syscall.Syscall spills the number around runtime.entersyscall and reloads it.
  EXPECT_EQ(Passed("syscall.Syscall", "syscall.RawSyscall6", kRax),
            (std::vector<std::string>{"arg:rax"}));
  EXPECT_EQ(Passed("syscall.RawSyscall6", "runtime/internal/syscall.Syscall6", kRax),
            (std::vector<std::string>{"arg:rax"}));
}

TEST_F(GoSummary, AssemblyFunctionsTakeTheNumberOnTheStack) {
  const FunctionSummary* raw = Named("syscall.rawSyscallNoError");
  ASSERT_NE(raw, nullptr);
  ASSERT_EQ(raw->sites_count, 1u);
  const SyscallSite& site = summary_->SitesOf(*raw)[0];
  ASSERT_FALSE(site.number.unknown);
  ASSERT_EQ(site.number.count, 1u);
  EXPECT_EQ(Atom::FromBits(summary_->AtomsOf(site.number)[0]).ToString(), "arg:8(%rsp)");
  // os/exec's child: clone through rawVforkSyscall, the number stored at 0(%rsp).
  std::vector<std::string> clone =
      Passed("syscall.forkAndExecInChild1", "syscall.rawVforkSyscall", kStackArgument0);
  EXPECT_EQ(clone, (std::vector<std::string>{"56"}));
}

// forkAndExecInChild1 passes syscall.fcntl64Syscall, a package variable only 32-bit
// platforms change: its initial value, SYS_fcntl (72).
TEST_F(GoSummary, UnwrittenPackageVariableKeepsItsValue) {
  std::vector<std::string> numbers =
      Passed("syscall.forkAndExecInChild1", "syscall.RawSyscall", kRax);
  EXPECT_NE(std::find(numbers.begin(), numbers.end(), "72"), numbers.end());
  EXPECT_EQ(std::find(numbers.begin(), numbers.end(), "unknown"), numbers.end());
}

}  // namespace
}  // namespace sysfence

// The explanation of a refused ptrace names the cause that the facts point to.
#include "ptrace/ptrace_permission.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace sysfence {
namespace {

std::string Explain(const PtraceFacts& facts) {
  return ExplainPtraceDenial(EPERM, facts).message();
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PtracePermission, AnotherTracerOnTheChildComesFirst) {
  PtraceFacts facts;
  facts.child_tracer = 4242;
  facts.child_tracer_name = "strace";
  facts.yama_scope = 3;  // also true, but the tracer is the certain cause
  std::string text = Explain(facts);
  EXPECT_TRUE(Has(text, "ptrace is not permitted (Operation not permitted)")) << text;
  EXPECT_TRUE(Has(text, "already being traced by process 4242 (strace)")) << text;
}

TEST(PtracePermission, YamaScopes) {
  PtraceFacts facts;
  facts.yama_scope = 3;
  EXPECT_TRUE(Has(Explain(facts), "ptrace_scope is 3")) << Explain(facts);
  facts.yama_scope = 2;
  EXPECT_TRUE(Has(Explain(facts), "ptrace_scope is 2, which requires CAP_SYS_PTRACE"));
  facts.has_cap_sys_ptrace = true;  // then scope 2 is not the reason
  EXPECT_FALSE(Has(Explain(facts), "ptrace_scope is 2,"));
}

TEST(PtracePermission, ContainerWithoutCapabilityAndSeccomp) {
  PtraceFacts facts;
  facts.yama_scope = 1;
  facts.in_container = true;
  facts.own_seccomp_mode = 2;
  std::string text = Explain(facts);
  EXPECT_TRUE(Has(text, "container without CAP_SYS_PTRACE and under a seccomp filter")) << text;
  EXPECT_TRUE(Has(text, "--cap-add SYS_PTRACE")) << text;
  facts.in_container = false;
  EXPECT_TRUE(Has(Explain(facts), "runs under a seccomp filter")) << Explain(facts);
}

TEST(PtracePermission, FallsBackToSecurityModules) {
  PtraceFacts facts;
  EXPECT_TRUE(Has(Explain(facts), "security module")) << Explain(facts);
  EXPECT_TRUE(Has(Explain(facts), "not set (no Yama)")) << Explain(facts);
}

TEST(PtracePermission, GathersFactsAboutThisProcess) {
  // Our own status file exists; we are not traced by anyone during the unit tests.
  PtraceFacts facts = GatherPtraceFacts(getpid());
  EXPECT_EQ(facts.child_tracer, 0);
  EXPECT_GE(facts.own_seccomp_mode, 0);
}

}  // namespace
}  // namespace sysfence

// The recording backends of `sysfence trace`, for integration tests that run on each. A test
// on the eBPF backend skips, naming the reason, only where BpfRecorderUnavailable() says eBPF
// cannot work (not root, no kernel BTF, a pid namespace of its own); where it can, the test
// runs and a backend that fails fails it.
//
//   class MyTest : public ::testing::TestWithParam<std::string> {};
//   TEST_P(MyTest, Works) {
//     SKIP_UNLESS_BACKEND_WORKS(GetParam());
//     RunCommand({SysfenceBinary(), "trace", "--backend", GetParam(), "--", "true"});
//   }
//   INSTANTIATE_TEST_SUITE_P(Backends, MyTest, ::testing::ValuesIn(kBackends));
#ifndef SYSFENCE_TESTS_BACKEND_H_
#define SYSFENCE_TESTS_BACKEND_H_

#include <string>
#include <vector>

namespace sysfence::testing {

inline const std::vector<std::string> kBackends = {"ptrace", "ebpf"};

// Why `backend` cannot record here, or "" when it must work.
std::string BackendUnavailable(const std::string& backend);

#define SKIP_UNLESS_BACKEND_WORKS(backend)                                                      \
  if (std::string why_not = ::sysfence::testing::BackendUnavailable(backend); !why_not.empty()) \
  GTEST_SKIP() << "the " << (backend) << " backend cannot record here: " << why_not

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_BACKEND_H_

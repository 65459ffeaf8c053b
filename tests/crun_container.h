// Runs a command in an OCI container with crun under a given linux.seccomp, for the tests of
// exported filters: a bundle made by `crun spec` with a read-only root file system, run in a
// private mount namespace with a plain cgroup2 mount and no cgroup management (crun refuses
// hosts with cgroup v1 controllers mounted beside cgroup v2).
//
//   if (auto why = CrunUnavailable()) GTEST_SKIP() << *why;
//   CrunContainer c(dir.File("bundle"), rootfs, {"/bin/busybox", "echo", "hi"});
//   CommandResult r = c.Run(json::parse(oci_filter_text));
#ifndef SYSFENCE_TESTS_CRUN_CONTAINER_H_
#define SYSFENCE_TESTS_CRUN_CONTAINER_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace sysfence::testing {

// Why containers cannot run here (not root, crun or unshare missing), or nullopt.
std::optional<std::string> CrunUnavailable();

class CrunContainer {
 public:
  // Makes `bundle` (created) with `rootfs` as its root and `args` as the process.
  CrunContainer(std::string bundle, const std::string& rootfs, std::vector<std::string> args);
  // Runs the container with `seccomp` as linux.seccomp; the exit status is the process's.
  CommandResult Run(const nlohmann::json& seccomp);

 private:
  std::string bundle_;
  nlohmann::json config_;
  int runs_ = 0;
};

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_CRUN_CONTAINER_H_

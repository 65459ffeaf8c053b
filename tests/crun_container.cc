// CrunContainer (see crun_container.h).
#include "crun_container.h"

#include <unistd.h>

#include <filesystem>

namespace sysfence::testing {

using nlohmann::json;

std::optional<std::string> CrunUnavailable() {
  if (geteuid() != 0) return "crun needs root here";
  for (std::string tool : {"crun", "unshare"}) {
    if (RunShell("command -v " + tool + " >/dev/null").exit_code != 0) {
      return tool + " is not installed (scripts/install-deps.sh)";
    }
  }
  return std::nullopt;
}

CrunContainer::CrunContainer(std::string bundle, const std::string& rootfs,
                             std::vector<std::string> args)
    : bundle_(std::move(bundle)) {
  std::filesystem::create_directories(bundle_);
  RunShell("cd " + bundle_ + " && rm -f config.json && crun spec");
  config_ = json::parse(ReadWholeFile(bundle_ + "/config.json"));
  config_["process"]["terminal"] = false;
  config_["process"]["args"] = args;
  config_["root"]["path"] = std::filesystem::absolute(rootfs).string();
  config_["root"]["readonly"] = true;
}

CommandResult CrunContainer::Run(const json& seccomp) {
  json config = config_;
  config["linux"]["seccomp"] = seccomp;
  WriteWholeFile(bundle_ + "/config.json", config.dump(2));
  std::string id = "sysfence-test-" + std::to_string(getpid()) + "-" + std::to_string(runs_++);
  return RunCommand({"unshare", "-m", "sh", "-c",
                     "mount --make-rprivate / && (umount -l /sys/fs/cgroup 2>/dev/null; "
                     "mount -t cgroup2 none /sys/fs/cgroup) && exec crun --root " +
                         bundle_ + "/state --cgroup-manager=disabled run -b " + bundle_ + " " + id},
                    60);
}

}  // namespace sysfence::testing

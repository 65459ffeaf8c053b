// The traced loopback sshd (see ssh_loopback.h): keys with ssh-keygen, the configuration from
// the template, `sysfence trace -- sshd -D -e -f CONFIG` as a child, and a connect() loop until
// it listens. sshd -D ends on SIGTERM, after which the tracer writes its profile.
#include "ssh_loopback.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/file_util.h"
#include "base/loopback.h"
#include "profile/profile_json.h"
#include "study/workload.h"

namespace sysfence::testing {
namespace {

Status MakeKey(const std::string& path) {
  SubprocessOptions run;
  run.argv = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sysfence-study", "-f", path};
  Result<Subprocess> child = Subprocess::Start(run);
  if (!child.ok()) return child.error().WithContext("sshd on loopback needs ssh-keygen");
  Result<int> status = child->Wait(60);
  if (!status.ok()) return status.error();
  if (*status != 0) return MakeError("ssh-keygen failed making {}", path);
  return Ok{};
}

std::string ProfilePath(const SshLoopbackOptions& options) {
  return options.work_dir + "/server.json";
}

}  // namespace

Result<int> SshLoopback::FreePort() {
  Result<std::vector<int>> ports = FreeLoopbackPorts(1);
  if (!ports.ok()) return ports.error();
  return ports->front();
}

SshLoopback::SshLoopback(const SshLoopbackOptions& options, int port, Subprocess tracer)
    : options_(options), port_(port), tracer_(std::move(tracer)) {
  client_options_ = fmt::format(
      "-F /dev/null -i {}/user_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes "
      "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
      options.work_dir);
}

Result<SshLoopback> SshLoopback::Start(const SshLoopbackOptions& options) {
  const std::string& work = options.work_dir;
  Result<std::string> sshd = FindExecutable("/usr/sbin/sshd");
  if (!sshd.ok()) return sshd.error().WithContext("sshd on loopback needs openssh-server");
  if (Status s = MakeKey(work + "/host_ed25519"); !s.ok()) return s.error();
  if (Status s = MakeKey(work + "/user_ed25519"); !s.ok()) return s.error();
  Result<std::string> public_key = ReadFile(work + "/user_ed25519.pub");
  if (!public_key.ok()) return public_key.error();
  if (Status s = WriteFileAtomically(work + "/authorized_keys", *public_key); !s.ok()) {
    return s.error();
  }
  Result<int> port = FreePort();
  if (!port.ok()) return port.error();
  std::map<std::string, std::string> values = options.values;
  values["work"] = work;
  values["port"] = std::to_string(*port);
  Result<std::string> config = Substitute(options.config_template, values);
  if (!config.ok()) return config.error().WithContext("the sshd_config template");
  std::string config_path = work + "/sshd_config";
  if (Status s = WriteFileAtomically(config_path, *config); !s.ok()) return s.error();
  // sshd refuses to start without its privilege separation directory.
  mkdir("/run/sshd", 0755);

  std::string out = ProfilePath(options);
  SubprocessOptions run;
  run.argv = {options.sysfence_binary, "trace", "-o", out};
  run.argv.insert(run.argv.end(), options.trace_arguments.begin(), options.trace_arguments.end());
  run.argv.insert(run.argv.end(), {"--", *sshd, "-D", "-e", "-f", config_path});
  run.stdout_path = out + ".stdout";
  run.stderr_path = out + ".stderr";
  Result<Subprocess> tracer = Subprocess::Start(run);
  if (!tracer.ok()) return tracer.error();
  bool ready = false;
  for (int i = 0; i < 500 && !ready; ++i) {
    ready = AcceptsOnLoopback(*port);
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!ready) {
    return MakeError("sshd did not start listening on 127.0.0.1:{}: {}", *port,
                     ReadFile(out + ".stderr").value_or(""));
  }
  SshLoopback server(options, *port, std::move(*tracer));
  server.command_ = fmt::format("{} -D -e -f {}", *sshd, config_path);
  return server;
}

Result<Profile> SshLoopback::Stop(double timeout_seconds) {
  Result<std::string> pid_text = ReadFile(options_.work_dir + "/sshd.pid");
  if (pid_text.ok()) kill(std::atoi(pid_text->c_str()), SIGTERM);
  std::string out = ProfilePath(options_);
  Result<int> status = tracer_.Wait(timeout_seconds, options_.interrupted);
  if (!status.ok()) return status.error().WithContext("sshd");
  Result<Profile> profile = ReadProfileFile(out);
  if (!profile.ok()) {
    return MakeError("tracing '{}' failed (exit {}): {}", command_, *status,
                     ReadFile(out + ".stderr").value_or("no message"));
  }
  return profile;
}

}  // namespace sysfence::testing

// sshd on loopback under `sysfence trace`, for tests that need a real SSH server: its own host
// key and authorized user key in a work directory, an sshd_config made from a template, a free
// port. The static soundness test (tests/static_analysis_test.cc) runs its client sessions
// against it and then checks both ends' images. (The SSH study does the same from its study
// directory, study/ssh: no C++ of its own.)
//
//   SshLoopbackOptions options;
//   options.sysfence_binary = "/path/to/sysfence";
//   options.work_dir = scratch;                 // keys, sshd_config, sshd.pid, server.json
//   options.config_template = ReadFile("study/ssh/sshd_config.in").value();
//   Result<SshLoopback> server = SshLoopback::Start(options);
//   // ssh -p {server->port()} {server->client_options()} root@127.0.0.1 true
//   Result<Profile> traced = server->Stop();    // sshd's dynamic profile
//
// The template's placeholders: {work} (the work directory) and {port}, plus options.values.
// It must name HostKey {work}/host_ed25519, AuthorizedKeysFile {work}/authorized_keys and
// PidFile {work}/sshd.pid, the files this harness makes and reads. Needs root (sshd's
// privilege separation) and OpenSSH's client and server.
#ifndef SYSFENCE_TESTS_SSH_LOOPBACK_H_
#define SYSFENCE_TESTS_SSH_LOOPBACK_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/subprocess.h"
#include "profile/profile.h"

namespace sysfence::testing {

struct SshLoopbackOptions {
  std::string sysfence_binary;
  std::string work_dir;
  std::string config_template;
  std::map<std::string, std::string> values;  // more placeholders of the template
  std::vector<std::string> trace_arguments;   // extra `sysfence trace` options for sshd
  // Asked while waiting for a child: a signal number kills it and ends with an error.
  std::function<int()> interrupted;
};

class SshLoopback {
 public:
  // Makes the keys and the configuration, starts the traced sshd and waits until it accepts
  // connections.
  static Result<SshLoopback> Start(const SshLoopbackOptions& options);
  // A loopback TCP port nothing listens on at the moment.
  static Result<int> FreePort();

  int port() const { return port_; }
  // What a client needs besides the port (ssh -p, scp and sftp -P): the user key, no agent,
  // no known_hosts, no prompts.
  const std::string& client_options() const { return client_options_; }
  // The traced command line, as a report shows it.
  const std::string& command() const { return command_; }

  // Ends sshd with SIGTERM and returns the profile its tracer wrote.
  Result<Profile> Stop(double timeout_seconds = 120);

 private:
  SshLoopback(const SshLoopbackOptions& options, int port, Subprocess tracer);

  SshLoopbackOptions options_;
  int port_;
  std::string client_options_;
  std::string command_;
  Subprocess tracer_;
};

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_SSH_LOOPBACK_H_

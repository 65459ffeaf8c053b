// The control socket of a running trace, for `sysfence mark NAME` from another terminal. An
// abstract-namespace Unix socket ("@sysfence-PID"): nothing to clean up in the file system,
// and it disappears with the process. A thread accepts one request per connection,
// "mark NAME\n", and answers "ok\n" or "error: ...\n".
//
//   Result<ControlSocket> control = ControlSocket::Start([&](std::string_view name) {
//     return observer.RequestMark(name) ? "" : "no later phase of that name";
//   });
//   setenv("SYSFENCE_CONTROL", control->address().c_str(), 1);   // for the tracee
//
//   Status s = SendMark("@sysfence-1234", "work");               // the client side
#ifndef SYSFENCE_RECORD_CONTROL_SOCKET_H_
#define SYSFENCE_RECORD_CONTROL_SOCKET_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"

namespace sysfence {

// The environment variable through which the tracee (and its terminal) learns the address.
inline constexpr const char* kControlEnvironment = "SYSFENCE_CONTROL";

class ControlSocket {
 public:
  // Returns "" when the mark was taken, or why not.
  using MarkHandler = std::function<std::string(std::string_view name)>;

  static Result<std::unique_ptr<ControlSocket>> Start(MarkHandler handler);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // "@sysfence-PID": '@' stands for the abstract namespace's leading NUL.
  const std::string& address() const { return address_; }

 private:
  ControlSocket(UniqueFd listener, std::string address, MarkHandler handler);
  void Serve();

  UniqueFd listener_;
  UniqueFd wake_;  // eventfd that stops Serve()
  std::string address_;
  MarkHandler handler_;
  std::thread thread_;
};

// Sends "mark NAME" to a trace's control socket and returns its answer as an error or Ok.
Status SendMark(const std::string& address, std::string_view name);

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_CONTROL_SOCKET_H_

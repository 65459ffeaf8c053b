// The trace's control socket (see control_socket.h).
#include "record/control_socket.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sysfence {
namespace {

// Builds the sockaddr of an "@name" address; returns its length.
socklen_t MakeAddress(const std::string& address, sockaddr_un* out) {
  *out = sockaddr_un{};
  out->sun_family = AF_UNIX;
  std::string path = address;
  if (!path.empty() && path[0] == '@') path[0] = '\0';
  size_t length = std::min(path.size(), sizeof out->sun_path - 1);
  memcpy(out->sun_path, path.data(), length);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
}

std::string ReadLine(int fd) {
  std::string line;
  char c = 0;
  // Requests are one short line; a slow or silent client is dropped after a second.
  pollfd waiting{fd, POLLIN, 0};
  while (line.size() < 256 && poll(&waiting, 1, 1000) == 1 && read(fd, &c, 1) == 1 && c != '\n') {
    line += c;
  }
  return line;
}

}  // namespace

Result<std::unique_ptr<ControlSocket>> ControlSocket::Start(MarkHandler handler) {
  UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return MakeError("control socket: {}", strerror(errno));
  std::string address = "@sysfence-" + std::to_string(getpid());
  sockaddr_un un{};
  socklen_t length = MakeAddress(address, &un);
  if (bind(listener.get(), reinterpret_cast<sockaddr*>(&un), length) != 0 ||
      listen(listener.get(), 4) != 0) {
    return MakeError("control socket {}: {}", address, strerror(errno));
  }
  return std::unique_ptr<ControlSocket>(
      new ControlSocket(std::move(listener), std::move(address), std::move(handler)));
}

ControlSocket::ControlSocket(UniqueFd listener, std::string address, MarkHandler handler)
    : listener_(std::move(listener)),
      wake_(eventfd(0, EFD_CLOEXEC)),
      address_(std::move(address)),
      handler_(std::move(handler)) {
  thread_ = std::thread([this] { Serve(); });
}

ControlSocket::~ControlSocket() {
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void ControlSocket::Serve() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;
    std::string request = ReadLine(client.get());
    std::string answer;
    if (request.starts_with("mark ") && request.size() > 5) {
      std::string refused = handler_(request.substr(5));
      answer = refused.empty() ? "ok\n" : "error: " + refused + "\n";
    } else {
      answer = "error: expected 'mark NAME'\n";
    }
    (void)!write(client.get(), answer.data(), answer.size());
  }
}

Status SendMark(const std::string& address, std::string_view name) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un un{};
  socklen_t length = MakeAddress(address, &un);
  if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&un), length) != 0) {
    return MakeError("cannot reach the trace at {}: {}", address, strerror(errno));
  }
  std::string request = fmt::format("mark {}\n", name);
  if (write(fd.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    return MakeError("{}: {}", address, strerror(errno));
  }
  std::string answer = ReadLine(fd.get());
  if (answer == "ok") return Ok{};
  if (answer.starts_with("error: ")) return MakeError("{}", answer.substr(7));
  return MakeError("{}: no answer from the trace", address);
}

}  // namespace sysfence

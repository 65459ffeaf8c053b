// Pins down the loopback helpers: free ports are different and free, a listener is seen
// accepting, and nothing is seen where nothing listens.
#include "base/loopback.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "base/unique_fd.h"

namespace sysfence {
namespace {

TEST(Loopback, FreePortsAreDifferentAndAcceptOnlyOnceSomethingListens) {
  Result<std::vector<int>> ports = FreeLoopbackPorts(3);
  ASSERT_TRUE(ports.ok()) << ports.error().message();
  EXPECT_EQ(std::set<int>(ports->begin(), ports->end()).size(), 3u);
  int port = ports->front();
  EXPECT_FALSE(AcceptsOnLoopback(port));
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener.get(), 1), 0);
  EXPECT_TRUE(AcceptsOnLoopback(port));
}

TEST(Loopback, UnixSocketAcceptsOnlyOnceSomethingListens) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("sysfence-loopback-test-" + std::to_string(getpid())))
                         .string();
  unlink(path.c_str());
  EXPECT_FALSE(AcceptsOnUnixSocket(path));
  UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener.get(), 1), 0);
  EXPECT_TRUE(AcceptsOnUnixSocket(path));
  EXPECT_FALSE(AcceptsOnUnixSocket(std::string(200, 'x')));
  unlink(path.c_str());
}

}  // namespace
}  // namespace sysfence

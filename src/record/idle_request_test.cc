// IdleRequest: a requester is released only once the loop has served it, and never hangs on a
// closed loop.
#include "record/idle_request.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <thread>

namespace sysfence {
namespace {

bool Readable(int fd, int timeout_ms) {
  pollfd entry{fd, POLLIN, 0};
  return poll(&entry, 1, timeout_ms) == 1;
}

TEST(IdleRequest, RequesterWaitsUntilTheLoopHasServedIt) {
  IdleRequest idle;
  ASSERT_GE(idle.fd(), 0);
  EXPECT_FALSE(Readable(idle.fd(), 0));
  std::atomic<bool> acted = false;
  std::atomic<bool> returned = false;
  std::thread requester([&] {
    idle.RequestAndWait();
    EXPECT_TRUE(acted.load()) << "released before the loop acted";
    returned = true;
  });
  ASSERT_TRUE(Readable(idle.fd(), 10000));
  EXPECT_FALSE(returned.load());
  acted = true;
  idle.Serve();
  requester.join();
  EXPECT_TRUE(returned.load());
  EXPECT_FALSE(Readable(idle.fd(), 0)) << "served requests are drained";
}

TEST(IdleRequest, ClosedLoopReleasesEveryRequester) {
  IdleRequest idle;
  std::thread requester([&] { idle.RequestAndWait(); });
  ASSERT_TRUE(Readable(idle.fd(), 10000));
  idle.Close();
  requester.join();
  idle.RequestAndWait();  // after the close: returns at once
}

}  // namespace
}  // namespace sysfence

// IdleRequest (see idle_request.h): an eventfd wakes the loop, a counter pair under a mutex
// tells each requester when it has been served.
#include "record/idle_request.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace sysfence {

IdleRequest::IdleRequest() : event_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

void IdleRequest::RequestAndWait() {
  std::unique_lock lock(mutex_);
  if (closed_ || !event_.valid()) return;
  uint64_t mine = ++requested_;
  uint64_t one = 1;
  ssize_t ignored = write(event_.get(), &one, sizeof one);
  (void)ignored;
  served_changed_.wait(lock, [&] { return closed_ || served_ >= mine; });
}

void IdleRequest::Serve() {
  uint64_t drained = 0;
  ssize_t ignored = read(event_.get(), &drained, sizeof drained);
  (void)ignored;
  std::lock_guard lock(mutex_);
  served_ = requested_;
  served_changed_.notify_all();
}

void IdleRequest::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  served_changed_.notify_all();
}

}  // namespace sysfence

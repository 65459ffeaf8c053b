// Lets another thread make a recording loop act now, and wait until it has. The eBPF backend's
// loop sleeps until the kernel sends a record, which may be long; a `sysfence mark` request
// (taken by the control socket's thread) uses this to have the loop switch the phase before
// the requester gets its answer, so that the requester's next call is in the new phase.
//
//   IdleRequest idle;
//   // control socket thread:         // recording loop (polls idle.fd() with the ring buffer):
//   observer.RequestMark(name);       if (readable(idle.fd())) { recorder.OnIdle(now); ...;
//   idle.RequestAndWait();                                        idle.Serve(); }
//                                     // when the loop ends: idle.Close();
#ifndef SYSFENCE_RECORD_IDLE_REQUEST_H_
#define SYSFENCE_RECORD_IDLE_REQUEST_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "base/unique_fd.h"

namespace sysfence {

class IdleRequest {
 public:
  IdleRequest();
  IdleRequest(const IdleRequest&) = delete;
  IdleRequest& operator=(const IdleRequest&) = delete;

  // Readable while a request waits to be served (an eventfd); -1 if none could be made, and
  // then requests return at once.
  int fd() const { return event_.get(); }
  // From any thread but the loop's: wakes the loop and returns once it has served this
  // request, or the loop has closed.
  void RequestAndWait();
  // From the loop, after acting: answers every request made so far.
  void Serve();
  // From the loop, when it ends: answers every request, now and later.
  void Close();

 private:
  UniqueFd event_;
  std::mutex mutex_;
  std::condition_variable served_changed_;
  uint64_t requested_ = 0;
  uint64_t served_ = 0;
  bool closed_ = false;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_IDLE_REQUEST_H_

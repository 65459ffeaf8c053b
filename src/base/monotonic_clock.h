// CLOCK_MONOTONIC in nanoseconds: the time base of every recorded event (record_sink.h), the
// same clock the eBPF recorder's bpf_ktime_get_ns() reads.
#ifndef SYSFENCE_BASE_MONOTONIC_CLOCK_H_
#define SYSFENCE_BASE_MONOTONIC_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace sysfence {

inline int64_t MonotonicNanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace sysfence

#endif  // SYSFENCE_BASE_MONOTONIC_CLOCK_H_

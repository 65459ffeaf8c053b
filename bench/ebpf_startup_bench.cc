// Where the eBPF backend's start-up goes: BpfRecorder::Create step by step (the minimal kernel
// BTF, libbpf's open, load and attach) and the teardown, over ROUNDS rounds, beside what
// libbpf's own parse of the whole kernel BTF (what CO-RE costs without the minimal BTF) takes
// in the same rounds. Medians in milliseconds (docs/PERFORMANCE.md).
//
//   ebpf_startup_bench [ROUNDS]
#include <bpf/btf.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "ebpf/bpf_recorder.h"

namespace {

double Now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  return values.size() % 2 != 0 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  if (rounds < 1) rounds = 15;
  std::map<std::string, std::vector<double>> times;
  for (int round = 0; round < rounds; ++round) {
    double start = Now();
    auto recorder = sysfence::BpfRecorder::Create({});
    double created = Now();
    if (!recorder.ok()) {
      std::fprintf(stderr, "ebpf_startup_bench: %s\n", recorder.error().message().c_str());
      return 2;
    }
    const sysfence::BpfLoadTimes& load = (*recorder)->load_times();
    times["1 minimal kernel BTF"].push_back(load.kernel_btf);
    times["2 open"].push_back(load.open);
    times["3 load (relocate, maps, verifier)"].push_back(load.load);
    times["4 attach"].push_back(load.attach);
    times["5 Create, all of it"].push_back(created - start);
    recorder->reset();
    times["6 destroy"].push_back(Now() - created);
    double parse = Now();
    btf* kernel = btf__load_vmlinux_btf();
    times["7 (libbpf's full kernel BTF parse)"].push_back(Now() - parse);
    btf__free(kernel);
  }
  std::printf("eBPF recorder start-up, medians of %d rounds (ms):\n", rounds);
  for (const auto& [step, values] : times) {
    std::printf("  %-36s %6.1f   (min %.1f, max %.1f)\n", step.c_str() + 2, Median(values),
                *std::min_element(values.begin(), values.end()),
                *std::max_element(values.begin(), values.end()));
  }
  return 0;
}

// RunChild and Median (see child_run.h): fork, exec, wait4 with its rusage.
#include "child_run.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

ChildRun RunChild(const std::vector<std::string>& argv, bool quiet) {
  std::fflush(stdout);
  std::fflush(stderr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (quiet) {
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  ChildRun m;
  m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
          static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  m.rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "benchmark: %s failed (status %d)\n", argv[0].c_str(), status);
    std::exit(1);
  }
  return m;
}

ChildRun Median(std::vector<ChildRun> runs) {
  auto median = [&](auto field) {
    std::vector<double> values;
    for (const ChildRun& m : runs) values.push_back(m.*field);
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  return {median(&ChildRun::wall), median(&ChildRun::cpu), median(&ChildRun::rss_mib)};
}

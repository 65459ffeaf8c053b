// A temporary directory for the elf tests, removed with everything in it when the object
// goes out of scope.
//
//   ScratchDirectory scratch;
//   WriteFile(scratch.path() + "/lib/libfoo.so", ...);
#ifndef SYSFENCE_ELF_SCRATCH_DIRECTORY_H_
#define SYSFENCE_ELF_SCRATCH_DIRECTORY_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace sysfence {

class ScratchDirectory {
 public:
  ScratchDirectory()
      : path_(::testing::TempDir() + "elf_scratch_" + std::to_string(getpid()) + "_" +
              std::to_string(counter_++)) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() { std::filesystem::remove_all(path_); }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ELF_SCRATCH_DIRECTORY_H_

// /etc/ld.so.cache, the loader's map from library names to paths ("glibc-ld.so.cache1.1"
// format, optionally behind the old "ld.so-1.7.0" table), read with every offset checked.
//
//   Result<LdCache> cache = LdCache::Load("/etc/ld.so.cache");
//   std::optional<std::string> path = cache->Find("libc.so.6");  // x86-64 entries only
#ifndef SYSFENCE_ELF_LD_CACHE_H_
#define SYSFENCE_ELF_LD_CACHE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "elf/byte_view.h"

namespace sysfence {

class LdCache {
 public:
  static Result<LdCache> Load(const std::string& path);
  // Parses cache bytes; `source` names them in errors.
  static Result<LdCache> Parse(ByteView bytes, std::string_view source);

  // The path of the x86-64 (libc6, lib64) entry for `name`; entries for a glibc-hwcaps
  // subdirectory are used only when no plain entry exists.
  std::optional<std::string> Find(std::string_view name) const;
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ELF_LD_CACHE_H_

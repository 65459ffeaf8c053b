// Fuzz target: the /etc/ld.so.cache reader (the loader's library map) must accept or reject
// any bytes without crashing, and look-ups in what it accepts must stay in bounds.
#include <cstdint>
#include <cstdlib>

#include "elf/ld_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sysfence::Result<sysfence::LdCache> cache =
      sysfence::LdCache::Parse(sysfence::ByteView(data, size), "fuzz");
  if (!cache.ok()) return 0;
  (void)cache->Find("libc.so.6");
  (void)cache->Find("");
  return 0;
}

// Splits an object's data into regions: the unit in which the analysis says "this data is
// reachable, so every pointer stored in it may be used". With a symbol table (.symtab or a
// separate debug file), a sized data symbol is one region, the bytes between sized symbols
// form one region per gap, and a section without sized symbols is one region. Without one,
// the object starts are recovered from the code's `lea` addresses, the relocations and the
// exported symbols (data_boundaries.h). Sections named like C identifiers (__libc_atexit,
// set_*) are linker-built arrays walked from __start_ to __stop_, so each of them is a single
// region whatever symbols it holds (except glibc's __libc_IO_vtables, which nothing walks);
// so is the GOT, whose slots are followed where code loads them.
//
//   std::vector<DataRegion> regions = PartitionDataRegions(elf, lea_addresses);
//   uint32_t r = FindRegion(regions, address);
#ifndef SYSFENCE_ANALYSIS_DATA_REGIONS_H_
#define SYSFENCE_ANALYSIS_DATA_REGIONS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/object_summary.h"
#include "elf/elf_file.h"

namespace sysfence {

// Sorted, non-overlapping regions covering every allocated non-executable section.
// `lea_addresses`: the addresses the object's code computes with a rip-relative `lea`.
std::vector<DataRegion> PartitionDataRegions(const ElfFile& elf,
                                             std::span<const uint64_t> lea_addresses);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_DATA_REGIONS_H_

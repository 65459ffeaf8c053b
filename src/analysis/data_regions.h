// Splits an object's data into regions: the unit in which the analysis says "this data is
// reachable, so every pointer stored in it may be used". A sized data symbol (from .symtab,
// a separate debug file, or .dynsym) is one region; the bytes between sized symbols form one
// region per gap; a section without sized symbols is one region; sections named like C
// identifiers (__libc_atexit, set_*) are linker-built arrays walked from __start_ to __stop_,
// so each of them is a single region whatever symbols it holds.
//
//   std::vector<DataRegion> regions = PartitionDataRegions(elf);
//   uint32_t r = FindRegion(regions, address);
#ifndef SYSFENCE_ANALYSIS_DATA_REGIONS_H_
#define SYSFENCE_ANALYSIS_DATA_REGIONS_H_

#include <cstdint>
#include <vector>

#include "analysis/object_summary.h"
#include "elf/elf_file.h"

namespace sysfence {

// Sorted, non-overlapping regions covering every allocated non-executable section.
std::vector<DataRegion> PartitionDataRegions(const ElfFile& elf);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_DATA_REGIONS_H_

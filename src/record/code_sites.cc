// Locating syscall sites in files (see code_sites.h).
#include "record/code_sites.h"

#include <fmt/format.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <charconv>

#include "base/file_util.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

// `syscall`, `sysenter` and `int 0x80` are all two bytes long.
constexpr uint64_t kSyscallInstructionSize = 2;

bool ParseHex(std::string_view text, uint64_t* value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value, 16);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// The next field separated by spaces; `text` is left after it.
std::string_view NextField(std::string_view& text) {
  size_t start = text.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  size_t end = text.find(' ');
  std::string_view field = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return field;
}

}  // namespace

std::vector<CodeMapping> ParseCodeMappings(std::string_view maps_text) {
  std::vector<CodeMapping> mappings;
  while (!maps_text.empty()) {
    size_t newline = maps_text.find('\n');
    std::string_view line = maps_text.substr(0, newline);
    maps_text.remove_prefix(newline == std::string_view::npos ? maps_text.size() : newline + 1);
    // start-end perms offset major:minor inode [path]
    std::string_view range = NextField(line);
    std::string_view perms = NextField(line);
    std::string_view offset = NextField(line);
    std::string_view device = NextField(line);
    std::string_view inode = NextField(line);
    if (perms.size() < 3 || perms[2] != 'x') continue;
    size_t dash = range.find('-');
    size_t colon = device.find(':');
    CodeMapping mapping;
    uint64_t major = 0;
    uint64_t minor = 0;
    if (dash == std::string_view::npos || colon == std::string_view::npos ||
        !ParseHex(range.substr(0, dash), &mapping.start) ||
        !ParseHex(range.substr(dash + 1), &mapping.end) ||
        !ParseHex(offset, &mapping.file_offset) || !ParseHex(device.substr(0, colon), &major) ||
        !ParseHex(device.substr(colon + 1), &minor) || mapping.end <= mapping.start) {
      continue;
    }
    auto [end, error] =
        std::from_chars(inode.data(), inode.data() + inode.size(), mapping.file.ino, 10);
    if (error != std::errc() || end != inode.data() + inode.size()) continue;
    mapping.file.dev = makedev(static_cast<unsigned>(major), static_cast<unsigned>(minor));
    size_t path_start = line.find_first_not_of(' ');
    if (path_start != std::string_view::npos) mapping.path = std::string(line.substr(path_start));
    mappings.push_back(std::move(mapping));
  }
  std::sort(mappings.begin(), mappings.end(),
            [](const CodeMapping& a, const CodeMapping& b) { return a.start < b.start; });
  return mappings;
}

int CodeSites::FileIndex(const std::string& path) {
  auto [it, added] = path_index_.try_emplace(path, static_cast<int>(paths_.size()));
  if (added) {
    paths_.push_back(path);
    sites_.emplace_back();
  }
  return it->second;
}

const CodeSites::Located* CodeSites::MappingsOf(pid_t tgid, bool reread) {
  auto it = maps_.find(tgid);
  if (it != maps_.end() && !reread) return &it->second;
  Result<std::string> text = ReadFile(fmt::format("/proc/{}/maps", tgid));
  if (!text.ok()) return nullptr;
  Located located;
  located.mappings = ParseCodeMappings(*text);
  for (const CodeMapping& mapping : located.mappings) {
    // A file replaced while mapped: the kernel says "(deleted)"; the site is still the file's.
    std::string_view path = mapping.path;
    if (path.ends_with(" (deleted)")) path.remove_suffix(10);
    bool named = path.starts_with('/') || path == kVdsoPath;
    located.files.push_back(named ? FileIndex(std::string(path)) : -1);
    if (named && mapping.file.ino != 0) known_files_[mapping.file] = located.files.back();
  }
  return &(maps_[tgid] = std::move(located));
}

void CodeSites::Add(int file, uint64_t offset, int number) {
  sites_[static_cast<size_t>(file)][offset].Insert(number);
}

void CodeSites::Record(pid_t tgid, uint64_t return_address, int number) {
  if (return_address < kSyscallInstructionSize || number < 0 || number >= kSyscallNumberLimit) {
    ++unlocated_;
    return;
  }
  uint64_t address = return_address - kSyscallInstructionSize;
  for (bool reread : {false, true}) {
    const Located* located = MappingsOf(tgid, reread);
    if (located == nullptr) break;
    const std::vector<CodeMapping>& mappings = located->mappings;
    auto after = std::upper_bound(
        mappings.begin(), mappings.end(), address,
        [](uint64_t value, const CodeMapping& mapping) { return value < mapping.start; });
    if (after == mappings.begin()) continue;
    size_t index = static_cast<size_t>(after - mappings.begin()) - 1;
    const CodeMapping& mapping = mappings[index];
    if (address >= mapping.end) continue;
    int file = located->files[index];
    if (file < 0) break;  // anonymous code
    Add(file, address - mapping.start + mapping.file_offset, number);
    return;
  }
  ++unlocated_;
}

void CodeSites::RecordInFile(pid_t tgid, const FileIdentity& file, uint64_t offset, int number,
                             std::string_view path) {
  if (number < 0 || number >= kSyscallNumberLimit) {
    ++unlocated_;
    return;
  }
  if (file.ino == 0) {
    if (path == kVdsoPath) {
      Add(FileIndex(std::string(kVdsoPath)), offset, number);
    } else {
      ++unlocated_;
    }
    return;
  }
  auto known = known_files_.find(file);
  if (known == known_files_.end() && path.starts_with('/')) {
    known = known_files_.emplace(file, FileIndex(std::string(path))).first;
  }
  if (known == known_files_.end() && MappingsOf(tgid, /*reread=*/true) != nullptr) {
    known = known_files_.find(file);
  }
  if (known == known_files_.end()) {
    ++unlocated_;
    return;
  }
  Add(known->second, offset, number);
}

void CodeSites::AddToProfile(Profile* profile) const {
  for (size_t file = 0; file < paths_.size(); ++file) {
    if (sites_[file].empty()) continue;
    std::map<uint64_t, SyscallSet>& into = profile->sites[paths_[file]];
    for (const auto& [offset, calls] : sites_[file]) into[offset] |= calls;
  }
}

}  // namespace sysfence

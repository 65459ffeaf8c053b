// Summary cache (see summary_cache.h): binary serialization with every count and index
// checked on the way back in, so a damaged file is rejected rather than trusted.
#include "analysis/summary_cache.h"

#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <charconv>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <type_traits>

#include "analysis/analyzer_version.h"
#include "base/file_util.h"
#include "elf/mapped_file.h"

namespace sysfence {
namespace {

constexpr char kMagic[8] = {'S', 'F', 'S', 'U', 'M', 'M', 'R', 'Y'};
constexpr uint32_t kFormatVersion = 4;
// A hash of the analysis sources (generated at build time): a summary written by any other
// analyser is never read.
constexpr char kAnalyzerVersion[17] = SYSFENCE_ANALYZER_VERSION;

struct Header {
  char magic[8];
  uint32_t format_version;
  char analyzer_version[16];
  uint64_t content_hash;
  uint64_t size;
  uint64_t debug_identity;
  uint64_t payload_size;
  uint64_t payload_hash;
};

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime1;
  h ^= h >> 32;
  return h;
}

// The serialized bytes as pieces to write one after the other: small values are gathered in
// buffers the writer owns, large arrays are referred to where they lie (a library's summary
// runs to tens of megabytes, and a copy of it is that much fresh memory to fault in).
class Writer {
 public:
  template <typename T>
  void Value(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    small_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <typename T>
  void Vector(const std::vector<T>& values) {
    static_assert(std::is_trivially_copyable_v<T>);
    static_assert(std::has_unique_object_representations_v<T>, "no padding bytes");
    Value<uint64_t>(values.size());
    Bytes({reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)});
  }
  void String(std::string_view text) {
    Value<uint64_t>(text.size());
    Bytes(text);
  }
  // Valid while the writer and what it wrote from live.
  const std::vector<std::string_view>& Finish() {
    Flush();
    return pieces_;
  }

 private:
  static constexpr size_t kLarge = 4096;  // larger pieces are not copied
  void Bytes(std::string_view bytes) {
    if (bytes.size() < kLarge) {
      small_.append(bytes);
      return;
    }
    Flush();
    pieces_.push_back(bytes);
  }
  void Flush() {
    if (small_.empty()) return;
    owned_.push_back(std::move(small_));
    small_.clear();
    pieces_.push_back(owned_.back());
  }
  std::string small_;
  std::deque<std::string> owned_;  // its elements never move
  std::vector<std::string_view> pieces_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : bytes_(bytes),
        reader_(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) {}
  template <typename T>
  T Value() {
    return reader_.Read<T>();
  }
  template <typename T>
  std::vector<T> Vector() {
    uint64_t count = reader_.Read<uint64_t>();
    std::optional<uint64_t> bytes = CheckedMul(count, sizeof(T));
    if (!bytes || *bytes > reader_.remaining()) {
      reader_.Skip(~uint64_t{0});  // fail
      return {};
    }
    // The structs are trivially copyable with their padding spelled out: one copy.
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<T> values(count);
    if (count != 0) std::memcpy(values.data(), bytes_.data() + reader_.offset(), *bytes);
    reader_.Skip(*bytes);
    return values;
  }
  std::string String() {
    uint64_t size = reader_.Read<uint64_t>();
    if (size > reader_.remaining()) {
      reader_.Skip(~uint64_t{0});
      return {};
    }
    std::string text(bytes_.substr(reader_.offset(), size));
    reader_.Skip(size);
    return text;
  }
  bool ok() const { return reader_.ok(); }
  uint64_t remaining() const { return reader_.remaining(); }

 private:
  std::string_view bytes_;
  ByteReader reader_;
};

bool Within(uint64_t begin, uint64_t count, size_t size) {
  return begin <= size && count <= size - begin;
}

// Every index in `s` points inside its arrays.
bool Validate(const ObjectSummary& s) {
  uint64_t previous_end = 0;
  for (const FunctionSummary& f : s.functions) {
    if (f.start < previous_end || f.end <= f.start) return false;
    previous_end = f.end;
    if (f.name != kNoIndex && f.name >= s.strings.size()) return false;
    if (!Within(f.calls_begin, f.calls_count, s.calls.size()) ||
        !Within(f.references_begin, f.references_count, s.references.size()) ||
        !Within(f.sites_begin, f.sites_count, s.sites.size())) {
      return false;
    }
  }
  if (!s.strings.empty() && s.strings.back() != '\0') return false;
  previous_end = 0;
  for (const DataRegion& r : s.regions) {
    if (r.start < previous_end || r.end <= r.start) return false;
    previous_end = r.end;
    if (!Within(r.references_begin, r.references_count, s.references.size())) return false;
  }
  for (const CallSite& c : s.calls) {
    if (static_cast<uint8_t>(c.target_kind) > static_cast<uint8_t>(TargetKind::kIndirect))
      return false;
    if ((c.target_kind == TargetKind::kFunction || c.target_kind == TargetKind::kIfunc) &&
        c.target >= s.functions.size()) {
      return false;
    }
    if (!Within(c.arguments_begin, c.arguments_count, s.arguments.size())) return false;
  }
  for (const ArgumentValue& a : s.arguments) {
    if (a.slot >= std::size(kTrackedArgumentRegisters) ||
        !Within(a.begin, a.count, s.atoms.size())) {
      return false;
    }
  }
  for (const Reference& r : s.references) {
    switch (r.kind) {
      case ReferenceKind::kFunction:
      case ReferenceKind::kIfunc:
        if (r.index >= s.functions.size()) return false;
        break;
      case ReferenceKind::kRegion:
        if (r.index >= s.regions.size()) return false;
        break;
      case ReferenceKind::kImportAddress:
        break;
      default:
        return false;
    }
  }
  for (const SyscallSite& site : s.sites) {
    if (static_cast<uint8_t>(site.kind) > static_cast<uint8_t>(SiteKind::kSysenter)) return false;
    if (!Within(site.number.begin, site.number.count, s.atoms.size())) return false;
    for (const ValueRef& argument : site.arguments) {
      if (!Within(argument.begin, argument.count, s.atoms.size())) return false;
    }
  }
  for (const auto* list : {&s.init_functions, &s.fini_functions, &s.unwind_functions}) {
    for (uint32_t f : *list) {
      if (f >= s.functions.size()) return false;
    }
  }
  for (uint32_t f : s.ifunc_resolvers) {
    if (f >= s.functions.size()) return false;
  }
  for (uint32_t r : s.root_regions) {
    if (r >= s.regions.size()) return false;
  }
  if (s.entry_function != kNoIndex && s.entry_function >= s.functions.size()) return false;
  for (const CopyRelocation& copy : s.copies) {
    if (copy.region >= s.regions.size()) return false;
  }
  for (const DlopenCall& d : s.dlopen_calls) {
    if (d.function >= s.functions.size() || d.call_site >= s.calls.size()) return false;
  }
  for (uint32_t f : s.escaping_functions) {
    if (f >= s.functions.size()) return false;
  }
  for (const LibraryString& l : s.library_strings) {
    if (l.function >= s.functions.size()) return false;
  }
  for (uint32_t f : s.table_called_functions) {
    if (f >= s.functions.size()) return false;
  }
  return true;
}

}  // namespace

uint64_t HashBytes(ByteView bytes) {
  // XXH3: the files hashed for keys are whole programs and libraries (up to 100 MB and more).
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string CacheKey::FileName() const {
  // The versions are part of the name, so entries of other versions are never read.
  return fmt::format("v{}.{}-{:016x}-{:x}-{:016x}.sfsum", kFormatVersion, kAnalyzerVersion,
                     content_hash, size, debug_identity);
}

uint64_t SummaryCache::ContentHash(const MappedFile& file) const {
  // The name holds everything a change to the file changes: a write, a rename over it or a
  // chmod sets its ctime to the current time, which no one can set back.
  std::string link =
      fmt::format("{}/content-hashes/xxh3-{:x}-{:x}-{:x}-{:x}-{:x}", directory_, file.device(),
                  file.inode(), file.size(), file.mtime_ns(), file.ctime_ns());
  char target[17] = {};
  if (readlink(link.c_str(), target, sizeof target) == 16) {
    uint64_t hash = 0;
    auto [end, error] = std::from_chars(target, target + 16, hash, 16);
    if (error == std::errc() && end == target + 16) return hash;
  }
  uint64_t hash = HashBytes(file.bytes());
  // Remembered only once the file has not changed for a while: a file still being written
  // could change again within the clock's granularity and keep the same times.
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t now_ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  constexpr int64_t kSettledNs = int64_t{2} * 1000000000;
  if (now_ns - file.ctime_ns() > kSettledNs && now_ns - file.mtime_ns() > kSettledNs) {
    std::call_once(hashes_directory_, [this] {
      std::error_code error;
      std::filesystem::create_directories(directory_ + "/content-hashes", error);
    });
    // A symbolic link is created whole or not at all; another process creating the same one
    // first (EEXIST) wrote the same hash.
    (void)symlink(fmt::format("{:016x}", hash).c_str(), link.c_str());
  }
  return hash;
}

CacheKey SummaryCache::KeyFor(const ElfFile& elf, const ElfFile* debug_file) const {
  CacheKey key;
  key.content_hash = ContentHash(elf.file());
  key.size = elf.file().size();
  if (debug_file != nullptr) {
    key.debug_identity =
        Mix(debug_file->file().size() ^ Mix(static_cast<uint64_t>(debug_file->file().mtime_ns()))) |
        1;
  }
  return key;
}

namespace {

// Writes the payload into `payload` and returns the header that goes before it.
Header Serialize(const CacheKey& key, const ObjectSummary& s, Writer& payload) {
  payload.Vector(s.functions);
  payload.Vector(s.calls);
  payload.Vector(s.arguments);
  payload.Vector(s.atoms);
  payload.Vector(s.references);
  payload.Vector(s.sites);
  payload.Vector(s.regions);
  payload.String(s.strings);
  payload.Vector(s.init_functions);
  payload.Vector(s.fini_functions);
  payload.Vector(s.unwind_functions);
  payload.Value(s.entry_function);
  payload.Vector(s.ifunc_resolvers);
  payload.Vector(s.root_regions);
  payload.Vector(s.copies);
  payload.Vector(s.init_symbols);
  payload.Vector(s.fini_symbols);
  payload.Vector(s.escaping_functions);
  payload.Value<uint64_t>(s.dlopen_calls.size());
  for (const DlopenCall& d : s.dlopen_calls) {
    payload.Value(d.function);
    payload.Value(d.call_site);
    payload.Value<uint8_t>(d.unknown_name);
    payload.Value<uint8_t>(static_cast<uint8_t>(d.kind));
    payload.Value<uint8_t>(static_cast<uint8_t>(d.scope));
    payload.Value<uint64_t>(d.names.size());
    for (const std::string& name : d.names) payload.String(name);
  }
  payload.Value<uint64_t>(s.library_strings.size());
  for (const LibraryString& l : s.library_strings) {
    payload.Value(l.function);
    payload.String(l.name);
  }
  payload.Value<uint64_t>(s.notes.size());
  for (const std::string& note : s.notes) payload.String(note);
  payload.Vector(s.table_called_functions);
  payload.String(s.go_version);

  Header header{};
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.format_version = kFormatVersion;
  std::memcpy(header.analyzer_version, kAnalyzerVersion, 16);
  header.content_hash = key.content_hash;
  header.size = key.size;
  header.debug_identity = key.debug_identity;
  // The hash of the pieces in a row: XXH3 streamed gives what HashBytes gives over them joined.
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  XXH3_64bits_reset(state.get());
  for (std::string_view piece : payload.Finish()) {
    XXH3_64bits_update(state.get(), piece.data(), piece.size());
    header.payload_size += piece.size();
  }
  header.payload_hash = XXH3_64bits_digest(state.get());
  return header;
}

// The file's bytes in order: `header`, then the payload's pieces.
std::vector<std::string_view> FilePieces(const Header& header, Writer& payload) {
  std::vector<std::string_view> pieces = {{reinterpret_cast<const char*>(&header), sizeof(header)}};
  const std::vector<std::string_view>& rest = payload.Finish();
  pieces.insert(pieces.end(), rest.begin(), rest.end());
  return pieces;
}

}  // namespace

std::string SerializeSummary(const CacheKey& key, const ObjectSummary& s) {
  Writer payload;
  Header header = Serialize(key, s, payload);
  std::string out;
  for (std::string_view piece : FilePieces(header, payload)) out.append(piece);
  return out;
}

Result<ObjectSummary> DeserializeSummary(const CacheKey& key, std::string_view bytes) {
  if (bytes.size() < sizeof(Header)) return MakeError("too short for a header");
  Header header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (std::memcmp(header.magic, kMagic, sizeof(kMagic)) != 0)
    return MakeError("not a summary file");
  if (header.format_version != kFormatVersion ||
      std::memcmp(header.analyzer_version, kAnalyzerVersion, 16) != 0) {
    return MakeError("written by another version");
  }
  if (header.content_hash != key.content_hash || header.size != key.size ||
      header.debug_identity != key.debug_identity) {
    return MakeError("key does not match");
  }
  std::string_view payload = bytes.substr(sizeof(Header));
  if (payload.size() != header.payload_size ||
      HashBytes(ByteView(reinterpret_cast<const uint8_t*>(payload.data()), payload.size())) !=
          header.payload_hash) {
    return MakeError("checksum mismatch");
  }
  Reader in(payload);
  ObjectSummary s;
  s.functions = in.Vector<FunctionSummary>();
  s.calls = in.Vector<CallSite>();
  s.arguments = in.Vector<ArgumentValue>();
  s.atoms = in.Vector<uint64_t>();
  s.references = in.Vector<Reference>();
  s.sites = in.Vector<SyscallSite>();
  s.regions = in.Vector<DataRegion>();
  s.strings = in.String();
  s.init_functions = in.Vector<uint32_t>();
  s.fini_functions = in.Vector<uint32_t>();
  s.unwind_functions = in.Vector<uint32_t>();
  s.entry_function = in.Value<uint32_t>();
  s.ifunc_resolvers = in.Vector<uint32_t>();
  s.root_regions = in.Vector<uint32_t>();
  s.copies = in.Vector<CopyRelocation>();
  s.init_symbols = in.Vector<SymbolSlot>();
  s.fini_symbols = in.Vector<SymbolSlot>();
  s.escaping_functions = in.Vector<uint32_t>();
  uint64_t dlopen_count = in.Value<uint64_t>();
  for (uint64_t i = 0; i < dlopen_count && in.ok(); ++i) {
    DlopenCall d;
    d.function = in.Value<uint32_t>();
    d.call_site = in.Value<uint32_t>();
    d.unknown_name = in.Value<uint8_t>() != 0;
    uint8_t kind = in.Value<uint8_t>();
    if (kind > static_cast<uint8_t>(NameKind::kSymbol)) return MakeError("bad name kind");
    d.kind = static_cast<NameKind>(kind);
    uint8_t scope = in.Value<uint8_t>();
    if (scope > static_cast<uint8_t>(SymbolScope::kNext)) return MakeError("bad symbol scope");
    d.scope = static_cast<SymbolScope>(scope);
    uint64_t names = in.Value<uint64_t>();
    for (uint64_t j = 0; j < names && in.ok(); ++j) d.names.push_back(in.String());
    s.dlopen_calls.push_back(std::move(d));
  }
  uint64_t library_string_count = in.Value<uint64_t>();
  for (uint64_t i = 0; i < library_string_count && in.ok(); ++i) {
    LibraryString l;
    l.function = in.Value<uint32_t>();
    l.name = in.String();
    s.library_strings.push_back(std::move(l));
  }
  uint64_t note_count = in.Value<uint64_t>();
  for (uint64_t i = 0; i < note_count && in.ok(); ++i) s.notes.push_back(in.String());
  s.table_called_functions = in.Vector<uint32_t>();
  s.go_version = in.String();
  if (!in.ok() || in.remaining() != 0) return MakeError("truncated or malformed payload");
  if (!Validate(s)) return MakeError("indexes out of range");
  s.IndexRanges();
  return s;
}

std::string SummaryCache::PathFor(const CacheKey& key) const {
  return directory_ + "/objects/" + key.FileName();
}

std::optional<ObjectSummary> SummaryCache::Load(const CacheKey& key, std::string* warning) const {
  std::string path = PathFor(key);
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return std::nullopt;
  Result<MappedFile> file = MappedFile::Open(path);
  if (!file.ok()) {
    if (warning) *warning = fmt::format("ignoring unreadable cache entry {}", path);
    return std::nullopt;
  }
  Result<ObjectSummary> summary = DeserializeSummary(
      key, std::string_view(reinterpret_cast<const char*>(file->bytes().data()), file->size()));
  if (!summary.ok()) {
    if (warning) {
      *warning =
          fmt::format("ignoring corrupt cache entry {}: {}", path, summary.error().message());
    }
    return std::nullopt;
  }
  return std::move(*summary);
}

void SummaryCache::PruneOtherVersions() const {
  // Entries of other analyser versions are never read again (the version is in the name).
  std::string current = CacheKey{}.FileName();
  current = current.substr(0, current.find('-') + 1);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory_ + "/objects", error)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 6 && name.compare(name.size() - 6, 6, ".sfsum") == 0 &&
        name.compare(0, current.size(), current) != 0) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

Status SummaryCache::Store(const CacheKey& key, const ObjectSummary& summary) const {
  std::error_code error;
  std::filesystem::create_directories(directory_ + "/objects", error);
  if (error) {
    return MakeError("cannot create cache directory {}: {}", directory_, error.message());
  }
  std::call_once(pruned_, [this] { PruneOtherVersions(); });
  // No fsync: an entry a crash damages fails its checksum and is analysed again.
  Writer payload;
  Header header = Serialize(key, summary, payload);
  return WriteFileAtomically(PathFor(key), FilePieces(header, payload), WriteSync::kDeferred);
}

}  // namespace sysfence

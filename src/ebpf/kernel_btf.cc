// MinimalKernelBtf (see kernel_btf.h). A scan of the kernel's type section, carried only as far
// as the lookups need, records where each type starts and which structs have the wanted
// names; the members are found by walking those structs (and their anonymous members), and the
// result is built with libbpf's BTF writer. Every offset read from the file is checked against
// its size first.
#include "ebpf/kernel_btf.h"

#include <bpf/btf.h>
#include <linux/btf.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "base/file_util.h"
#include "elf/mapped_file.h"

namespace sysfence {
namespace {

struct RawHeader {
  uint16_t magic;
  uint8_t version;
  uint8_t flags;
  uint32_t hdr_len;
  uint32_t type_off;
  uint32_t type_len;
  uint32_t str_off;
  uint32_t str_len;
};

constexpr uint16_t kBtfMagic = 0xeB9F;

uint32_t KindOf(uint32_t info) { return (info >> 24) & 0x1f; }
uint32_t VlenOf(uint32_t info) { return info & 0xffff; }
bool KindFlagOf(uint32_t info) { return (info >> 31) != 0; }

// Bytes that follow a type's 12-byte header, by kind; nullopt for a kind this reader does not
// know (a newer kernel), which stops the scan rather than misreading what comes after.
std::optional<size_t> TrailingBytes(uint32_t info) {
  size_t vlen = VlenOf(info);
  switch (KindOf(info)) {
    case BTF_KIND_INT:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
      return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
      return 0;
    case BTF_KIND_ARRAY:
      return sizeof(struct btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return vlen * sizeof(struct btf_member);
    case BTF_KIND_ENUM:
      return vlen * sizeof(struct btf_enum);
    case BTF_KIND_FUNC_PROTO:
      return vlen * sizeof(struct btf_param);
    case BTF_KIND_DATASEC:
      return vlen * sizeof(struct btf_var_secinfo);
    case BTF_KIND_ENUM64:
      return vlen * sizeof(struct btf_enum64);
    default:
      return std::nullopt;
  }
}

// The kernel's types, indexed as far as they have been needed: a lookup scans on until it
// finds what it asks for, so the scan usually stops well before the end (the structs a
// program reads about tasks and files come early in vmlinux's BTF; struct mount at about 15%).
class TypeTable {
 public:
  static Result<TypeTable> Open(std::string_view data, const std::set<std::string_view>& names);

  // Type `id`, or nullptr (void, past the end, or the data is broken: see error()).
  const btf_type* Type(uint32_t id) {
    while (id >= offsets_.size() && ScanOne()) {
    }
    if (id == 0 || id >= offsets_.size()) return nullptr;
    return reinterpret_cast<const btf_type*>(types_.data() + offsets_[id]);
  }
  // The `index`th struct or union named `name` (one of the names given to Open), or 0.
  uint32_t StructNamed(std::string_view name, size_t index) {
    while (structs_[name].size() <= index && ScanOne()) {
    }
    const std::vector<uint32_t>& found = structs_[name];
    return index < found.size() ? found[index] : 0;
  }
  std::string_view Name(uint32_t name_off) const {
    if (name_off >= strings_.size()) return {};
    std::string_view rest = strings_.substr(name_off);
    return rest.substr(0, rest.find('\0'));
  }
  std::span<const btf_member> Members(const btf_type* type) const {
    return {reinterpret_cast<const btf_member*>(type + 1), VlenOf(type->info)};
  }
  // The type `id` refers to once typedefs and qualifiers are skipped (0 for void or a loop).
  uint32_t Resolve(uint32_t id);
  // The first inconsistency the scan met, if any.
  const std::optional<Error>& error() const { return error_; }

 private:
  // Indexes the next type; false at the end or on broken data.
  bool ScanOne();

  std::string_view types_;
  std::string_view strings_;
  std::set<std::string_view> names_;
  size_t at_ = 0;                  // where the next type starts in types_
  std::vector<uint32_t> offsets_;  // by type id; id 0 is void
  std::map<std::string_view, std::vector<uint32_t>> structs_;
  std::optional<Error> error_;
};

Result<TypeTable> TypeTable::Open(std::string_view data, const std::set<std::string_view>& names) {
  RawHeader header{};
  if (data.size() < sizeof header) return MakeError("too short for a BTF header");
  std::memcpy(&header, data.data(), sizeof header);
  if (header.magic != kBtfMagic) return MakeError("not BTF data (bad magic)");
  auto section = [&](uint32_t offset, uint32_t length) -> std::optional<std::string_view> {
    uint64_t start = uint64_t{header.hdr_len} + offset;
    if (start > data.size() || length > data.size() - start) return std::nullopt;
    return data.substr(start, length);
  };
  std::optional<std::string_view> types = section(header.type_off, header.type_len);
  std::optional<std::string_view> strings = section(header.str_off, header.str_len);
  if (!types || !strings) return MakeError("a BTF section lies outside the data");
  // Type records are 4-byte aligned within an aligned section: they are read in place.
  if (reinterpret_cast<uintptr_t>(types->data()) % alignof(btf_type) != 0) {
    return MakeError("misaligned BTF type section");
  }
  TypeTable table;
  table.types_ = *types;
  table.strings_ = *strings;
  table.names_ = names;
  table.offsets_.reserve(1 << 15);
  table.offsets_.push_back(0);
  return table;
}

bool TypeTable::ScanOne() {
  if (at_ >= types_.size() || error_) return false;
  if (types_.size() - at_ < sizeof(btf_type)) {
    error_ = MakeError("a BTF type is cut short");
    return false;
  }
  const auto* type = reinterpret_cast<const btf_type*>(types_.data() + at_);
  std::optional<size_t> trailing = TrailingBytes(type->info);
  if (!trailing) {
    error_ = MakeError("BTF type kind {} is not known", KindOf(type->info));
    return false;
  }
  size_t size = sizeof(btf_type) + *trailing;
  if (size > types_.size() - at_ || size % alignof(btf_type) != 0) {
    error_ = MakeError("a BTF type is cut short");
    return false;
  }
  uint32_t kind = KindOf(type->info);
  if ((kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) && type->name_off != 0) {
    std::string_view name = Name(type->name_off);
    if (names_.contains(name)) structs_[name].push_back(static_cast<uint32_t>(offsets_.size()));
  }
  offsets_.push_back(static_cast<uint32_t>(at_));
  at_ += size;
  return true;
}

uint32_t TypeTable::Resolve(uint32_t id) {
  for (int depth = 0; depth < 32; ++depth) {
    const btf_type* type = Type(id);
    if (type == nullptr) return 0;
    switch (KindOf(type->info)) {
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        id = type->type;
        continue;
      default:
        return id;
    }
  }
  return 0;
}

struct FoundMember {
  uint32_t bit_offset = 0;
  uint32_t bitfield_size = 0;
  uint32_t type = 0;  // resolved
};

// `name` in struct `id` or, through anonymous members, in the structs and unions it holds.
std::optional<FoundMember> FindMember(TypeTable& table, uint32_t id, std::string_view name,
                                      int depth = 0) {
  const btf_type* type = table.Type(id);
  if (type == nullptr || depth > 8) return std::nullopt;
  uint32_t kind = KindOf(type->info);
  if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION) return std::nullopt;
  for (const btf_member& member : table.Members(type)) {
    uint32_t bit_offset = KindFlagOf(type->info) ? member.offset & 0xffffff : member.offset;
    uint32_t bitfield_size = KindFlagOf(type->info) ? member.offset >> 24 : 0;
    if (member.name_off == 0) {
      if (auto inner = FindMember(table, table.Resolve(member.type), name, depth + 1)) {
        inner->bit_offset += bit_offset;
        return inner;
      }
    } else if (table.Name(member.name_off) == name) {
      return FoundMember{bit_offset, bitfield_size, table.Resolve(member.type)};
    }
  }
  return std::nullopt;
}

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

// Builds the output: one struct per wanted name, holding only the wanted members.
class MinimalWriter {
 public:
  explicit MinimalWriter(TypeTable& table) : table_(table), out_(btf__new_empty()) {}

  Status Add(std::string_view struct_name, uint32_t kernel_id,
             const std::vector<std::pair<std::string_view, FoundMember>>& members);
  Result<std::string> Finish();

 private:
  // The id in the output of a member of kernel type `kernel_id` (resolved).
  Result<int> MemberType(uint32_t kernel_id);
  int StructId(std::string_view name);

  TypeTable& table_;
  std::unique_ptr<btf, BtfDeleter> out_;
  std::map<std::string, int> ints_;
  std::map<std::string, int, std::less<>> structs_;  // forward declarations, filled by Add
  int void_pointer_ = 0;
};

int MinimalWriter::StructId(std::string_view name) {
  auto found = structs_.find(name);
  if (found != structs_.end()) return found->second;
  std::string key(name);
  int id = btf__add_fwd(out_.get(), key.c_str(), BTF_FWD_STRUCT);
  structs_[key] = id;
  return id;
}

Result<int> MinimalWriter::MemberType(uint32_t kernel_id) {
  const btf_type* type = table_.Type(kernel_id);
  if (type == nullptr) return MakeError("member of type void");
  switch (KindOf(type->info)) {
    case BTF_KIND_PTR:
      if (void_pointer_ == 0) void_pointer_ = btf__add_ptr(out_.get(), 0);
      return void_pointer_;
    case BTF_KIND_INT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
      uint32_t bytes = type->size;
      bool is_signed = KindOf(type->info) == BTF_KIND_INT &&
                       (*reinterpret_cast<const uint32_t*>(type + 1) >> 24 & BTF_INT_SIGNED);
      std::string name = fmt::format("{}int{}", is_signed ? "" : "u", bytes * 8);
      auto found = ints_.find(name);
      if (found != ints_.end()) return found->second;
      int id = btf__add_int(out_.get(), name.c_str(), bytes, is_signed ? BTF_INT_SIGNED : 0);
      if (id < 0) return MakeError("adding {}: {}", name, strerror(-id));
      ints_[name] = id;
      return id;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      std::string_view name = table_.Name(type->name_off);
      if (name.empty()) return MakeError("member of an anonymous struct type");
      return StructId(name);
    }
    default:
      return MakeError("member of BTF kind {}", KindOf(type->info));
  }
}

Status MinimalWriter::Add(std::string_view struct_name, uint32_t kernel_id,
                          const std::vector<std::pair<std::string_view, FoundMember>>& members) {
  std::vector<int> member_types;
  for (const auto& [name, member] : members) {
    Result<int> id = MemberType(member.type);
    if (!id.ok()) return id.error().WithContext(fmt::format("{}.{}", struct_name, name));
    member_types.push_back(*id);
  }
  const btf_type* kernel = table_.Type(kernel_id);
  std::string name(struct_name);
  int id = KindOf(kernel->info) == BTF_KIND_UNION
               ? btf__add_union(out_.get(), name.c_str(), kernel->size)
               : btf__add_struct(out_.get(), name.c_str(), kernel->size);
  if (id < 0) return MakeError("adding struct {}: {}", name, strerror(-id));
  for (size_t i = 0; i < members.size(); ++i) {
    std::string member_name(members[i].first);
    int added = btf__add_field(out_.get(), member_name.c_str(), member_types[i],
                               members[i].second.bit_offset, members[i].second.bitfield_size);
    if (added < 0) return MakeError("adding {}.{}: {}", name, member_name, strerror(-added));
  }
  auto declared = structs_.find(struct_name);
  if (declared == structs_.end()) {
    structs_[name] = id;
  } else {
    declared->second = id;
  }
  return Ok{};
}

Result<std::string> MinimalWriter::Finish() {
  // A forward declaration that a member refers to but no entry filled is harmless for CO-RE
  // (only named members are matched), so it stays.
  uint32_t size = 0;
  const void* data = btf__raw_data(out_.get(), &size);
  if (data == nullptr) return MakeError("writing the BTF blob: {}", strerror(errno));
  return std::string(static_cast<const char*>(data), size);
}

}  // namespace

Result<std::string> MinimalBtfFrom(std::string_view kernel_btf,
                                   std::span<const KernelField> fields) {
  std::set<std::string_view> names;
  for (const KernelField& field : fields) names.insert(field.type);
  Result<TypeTable> table = TypeTable::Open(kernel_btf, names);
  if (!table.ok()) return table.error();
  struct Chosen {
    uint32_t id = 0;
    std::vector<std::pair<std::string_view, FoundMember>> members;
  };
  std::map<std::string_view, Chosen> chosen;
  for (std::string_view name : names) {
    std::vector<std::string_view> wanted;
    for (const KernelField& field : fields) {
      if (field.type == name) wanted.push_back(field.member);
    }
    // The first struct of that name that has every wanted member (a name can be reused by
    // unrelated structs in different parts of the kernel).
    std::string_view missing;
    uint32_t id = 0;
    for (size_t index = 0; (id = table->StructNamed(name, index)) != 0; ++index) {
      Chosen candidate{id, {}};
      for (std::string_view member : wanted) {
        std::optional<FoundMember> found = FindMember(*table, id, member);
        if (!found) {
          missing = member;
          break;
        }
        candidate.members.emplace_back(member, *found);
      }
      if (candidate.members.size() == wanted.size()) {
        chosen[name] = std::move(candidate);
        break;
      }
    }
    if (table->error()) return *table->error();
    if (!chosen.contains(name)) {
      if (missing.empty()) return MakeError("the kernel has no struct {}", name);
      return MakeError("the kernel's struct {} has no member {}", name, missing);
    }
  }
  // A struct is written after the structs embedded in it, so that its members can refer to
  // them (libbpf's writer appends members to the type added last).
  MinimalWriter writer(*table);
  std::set<std::string_view> written;
  std::function<Status(std::string_view, int)> write = [&](std::string_view name,
                                                           int depth) -> Status {
    if (written.contains(name)) return Ok{};
    if (depth > 16) return MakeError("struct {} contains itself", name);
    const Chosen& entry = chosen.at(name);
    for (const auto& [member, found] : entry.members) {
      const btf_type* type = table->Type(found.type);
      if (type == nullptr) continue;
      std::string_view inner = table->Name(type->name_off);
      uint32_t kind = KindOf(type->info);
      if ((kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) && chosen.contains(inner)) {
        if (Status done = write(inner, depth + 1); !done.ok()) return done;
      }
    }
    written.insert(name);
    return writer.Add(name, entry.id, entry.members);
  };
  for (std::string_view name : names) {
    if (Status done = write(name, 0); !done.ok()) return done.error();
  }
  if (table->error()) return *table->error();
  return writer.Finish();
}

Result<std::string> MinimalKernelBtf(std::span<const KernelField> fields) {
  // Kernels since 6.16 let the file be mapped, which spares copying its 5 MB; older ones are
  // read.
  Result<MappedFile> mapped = MappedFile::Open(kKernelBtfPath);
  std::string copy;
  std::string_view data;
  if (mapped.ok()) {
    data = std::string_view(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->size());
  } else {
    Result<std::string> read = ReadFile(kKernelBtfPath);
    if (!read.ok()) {
      return MakeError("this kernel publishes no BTF type information ({})",
                       read.error().message());
    }
    copy = std::move(*read);
    data = copy;
  }
  Result<std::string> btf = MinimalBtfFrom(data, fields);
  if (!btf.ok()) return btf.error().WithContext(kKernelBtfPath);
  return btf;
}

}  // namespace sysfence

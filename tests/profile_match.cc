// Profile comparison for integration tests (see profile_match.h).
#include "profile_match.h"

#include <sstream>

namespace sysfence::testing {
namespace {

std::set<std::string> Names(const nlohmann::json& list) {
  std::set<std::string> names;
  if (list.is_array()) {
    for (const auto& name : list) names.insert(name.get<std::string>());
  }
  return names;
}

std::string Join(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : " ") + name;
  return out.empty() ? "-" : out;
}

// Appends "what: only in A {..}; only in B {..}" when the sets differ.
void DiffSets(const std::string& what, const std::set<std::string>& a,
              const std::set<std::string>& b, std::ostringstream& out) {
  std::set<std::string> only_a, only_b;
  for (const auto& name : a) {
    if (!b.contains(name)) only_a.insert(name);
  }
  for (const auto& name : b) {
    if (!a.contains(name)) only_b.insert(name);
  }
  if (only_a.empty() && only_b.empty()) return;
  out << "  " << what << ": only in A {" << Join(only_a) << "}, only in B {" << Join(only_b)
      << "}\n";
}

}  // namespace

::testing::AssertionResult SameSyscallsImagesAndCounts(const NamedProfile& a, const NamedProfile& b,
                                                       const MatchOptions& options) {
  std::ostringstream out;
  DiffSets("syscalls", Names(a.profile["syscalls"]), Names(b.profile["syscalls"]), out);

  std::set<std::string> images;
  for (const auto& [key, list] : a.profile["images"].items()) images.insert(key);
  for (const auto& [key, list] : b.profile["images"].items()) images.insert(key);
  for (const std::string& image : images) {
    DiffSets("image " + image, Names(a.profile["images"].value(image, nlohmann::json::array())),
             Names(b.profile["images"].value(image, nlohmann::json::array())), out);
  }

  std::set<std::string> counted;
  for (const auto& [name, n] : a.profile["counts"].items()) counted.insert(name);
  for (const auto& [name, n] : b.profile["counts"].items()) counted.insert(name);
  for (const std::string& name : counted) {
    if (options.counts_may_differ.contains(name)) continue;
    uint64_t count_a = a.profile["counts"].value(name, uint64_t{0});
    uint64_t count_b = b.profile["counts"].value(name, uint64_t{0});
    if (count_a != count_b)
      out << "  count " << name << ": " << count_a << " vs " << count_b << "\n";
  }

  // Argument values (format version 2), whole and per image.
  auto section = [](const NamedProfile& p, const char* name) {
    return p.profile.value(name, nlohmann::json::object());
  };
  for (const char* name : {"args", "image_args"}) {
    if (section(a, name) != section(b, name)) {
      out << "  " << name << ": " << section(a, name).dump() << " vs " << section(b, name).dump()
          << "\n";
    }
  }

  if (out.str().empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "A = " << a.source << ", B = " << b.source << "\n"
                                       << out.str();
}

}  // namespace sysfence::testing

// Typed reads of fields of a parsed JSON document, for the readers of profiles and of seccomp
// profiles written by others. A wrong type or value becomes an Error that names the source
// and the field's path, so that a user can find it:
//
//   JsonFieldReader reader("docker.json");
//   Result<std::string> action = reader.String(document["defaultAction"], "defaultAction");
//   // on failure: "docker.json: field 'defaultAction': expected a string"
//
// Format readers derive from it and add the reads of their own types.
#ifndef SYSFENCE_PROFILE_JSON_FIELD_READER_H_
#define SYSFENCE_PROFILE_JSON_FIELD_READER_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sysfence {

class JsonFieldReader {
 public:
  explicit JsonFieldReader(std::string_view source) : source_(source) {}

  // "SOURCE: field 'FIELD': WHAT".
  Error Fail(std::string_view field, std::string_view what) const;

  Result<std::string> String(const nlohmann::json& value, std::string_view field) const;

  // An integer of at least `min`; one beyond int64_t reads as INT64_MAX.
  Result<int64_t> Integer(const nlohmann::json& value, std::string_view field, int64_t min) const;

 private:
  std::string source_;
};

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_JSON_FIELD_READER_H_

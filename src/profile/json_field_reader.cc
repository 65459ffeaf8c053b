// Typed reads of JSON fields (see json_field_reader.h).
#include "profile/json_field_reader.h"

#include <climits>

namespace sysfence {

Error JsonFieldReader::Fail(std::string_view field, std::string_view what) const {
  return MakeError("{}: field '{}': {}", source_, field, what);
}

Result<std::string> JsonFieldReader::String(const nlohmann::json& value,
                                            std::string_view field) const {
  if (!value.is_string()) return Fail(field, "expected a string");
  return value.get<std::string>();
}

Result<int64_t> JsonFieldReader::Integer(const nlohmann::json& value, std::string_view field,
                                         int64_t min) const {
  if (!value.is_number_integer()) return Fail(field, "expected an integer");
  int64_t n = value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX
                  ? INT64_MAX
                  : value.get<int64_t>();
  if (n < min) return Fail(field, fmt::format("must be at least {}", min));
  return n;
}

}  // namespace sysfence

// The one error model of sysfence: library code returns Result<T> (a value or an Error);
// only the CLI turns an Error into a message and an exit code.
//
//   Result<std::string> ReadFile(const std::string& path);
//   auto text = ReadFile("x.json");
//   if (!text.ok()) return text.error();          // propagate
//   Use(*text);
#ifndef SYSFENCE_BASE_RESULT_H_
#define SYSFENCE_BASE_RESULT_H_

#include <fmt/format.h>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sysfence {

// A failure, described for a person: the message names the file or argument at fault.
class Error {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}

  const std::string& message() const { return message_; }

  // Returns this error with `context` ("reading profile x.json") put in front.
  Error WithContext(std::string_view context) const {
    return Error(fmt::format("{}: {}", context, message_));
  }

 private:
  std::string message_;
};

template <typename... Args>
Error MakeError(fmt::format_string<Args...> format, Args&&... args) {
  return Error(fmt::format(format, std::forward<Args>(args)...));
}

// Either a T or an Error. Implicitly constructible from both, so `return value;` and
// `return MakeError(...);` both work.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T value_or(T fallback) const& { return ok() ? std::get<T>(state_) : std::move(fallback); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

// The result of an operation that produces nothing but can fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace sysfence

#endif  // SYSFENCE_BASE_RESULT_H_

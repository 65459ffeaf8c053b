// Reading a program's options from its --help (see help_options.h). The parser knows three
// layouts: GNU's ("-c, -C NUM, --context[=NUM]  text"), curl's ("-o, --output <file>  Text")
// and Python's ("-W arg : text", "-X dev: text"); a line that does not start with a dash is
// prose. Values are guessed from the metavar's words, never from the program's name.
#include "study/help_options.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace sysfence {
namespace {

constexpr size_t kMaxValuesPerOption = 3;

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

bool Contains(std::string_view text, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return text.find(w) != std::string_view::npos; });
}

// Plausible values for an option's metavar: its own alternatives ("always|never"), the quoted
// words of its description, a scratch file or directory, a small number, or a word.
std::vector<std::string> ValuesFor(const HelpOption& option, const OptionValues& scratch) {
  if (option.literal) return {option.metavar};
  std::string metavar = option.metavar;
  std::erase_if(metavar, [](char c) { return c == '<' || c == '>' || c == '[' || c == ']'; });
  std::vector<std::string> values;
  for (char separator : {'|', ','}) {
    if (metavar.find(separator) == std::string::npos) continue;
    std::string clean = metavar;
    std::erase_if(clean, [](char c) { return c == '{' || c == '}'; });
    size_t start = 0;
    while (start <= clean.size() && values.size() < kMaxValuesPerOption) {
      size_t end = std::min(clean.find(separator, start), clean.size());
      if (end > start) values.push_back(clean.substr(start, end - start));
      start = end + 1;
    }
    return values;
  }
  std::string lower = Lower(metavar);
  if (Contains(lower, {"dir"})) return {scratch.directory};
  if (Contains(lower, {"file", "path", "script", "config"})) return {scratch.file};
  if (lower == "n" || Contains(lower, {"num", "int",   "line", "col",   "width", "size", "count",
                                       "sec", "time",  "byte", "level", "max",   "min",  "limit",
                                       "len", "digit", "tab",  "ms",    "speed", "rate"})) {
    return {"3"};
  }
  if (!option.hints.empty()) {
    for (const std::string& hint : option.hints) {
      if (values.size() < kMaxValuesPerOption) values.push_back(hint);
    }
    return values;
  }
  if (Contains(lower, {"url"})) return {"http://127.0.0.1:1/"};
  return {"x"};
}

}  // namespace

std::vector<HelpOption> ParseHelpOptions(std::string_view help) {
  std::vector<HelpOption> options;
  std::set<std::string> seen;
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '?';
  };
  while (!help.empty()) {
    size_t end = help.find('\n');
    std::string_view line = help.substr(0, end);
    help = end == std::string_view::npos ? std::string_view() : help.substr(end + 1);
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string_view::npos || line[i] != '-') continue;
    std::vector<HelpOption> on_line;
    while (i < line.size() && line[i] == '-') {
      size_t start = i;
      i += line.compare(i, 2, "--") == 0 ? 2 : 1;
      size_t name_start = i;
      while (i < line.size() && is_name_char(line[i]) && !(line[i] == '-' && i == name_start)) ++i;
      if (i == name_start) break;
      HelpOption option;
      option.name = std::string(line.substr(start, i - start));
      // Its value: "[=ARG]", "=ARG", " ARG" or " <arg>" (one space, then no description).
      if (line.compare(i, 2, "[=") == 0) {
        size_t close = line.find(']', i);
        if (close == std::string_view::npos) break;
        option.metavar = std::string(line.substr(i + 2, close - i - 2));
        option.value_optional = true;
        option.attached = true;
        i = close + 1;
      } else if (i < line.size() && line[i] == '=') {
        size_t stop = line.find_first_of(" ,\t", i);
        if (stop == std::string_view::npos) stop = line.size();
        option.metavar = std::string(line.substr(i + 1, stop - i - 1));
        option.attached = true;
        i = stop;
      } else if (i + 1 < line.size() && line[i] == ' ' && line[i + 1] != ' ' &&
                 line[i + 1] != '-' && line[i + 1] != ':') {
        size_t stop = line.find_first_of(" ,\t", i + 1);
        if (stop == std::string_view::npos) stop = line.size();
        std::string_view word = line.substr(i + 1, stop - i - 1);
        // A value is followed by the end, a comma, two blanks or " :"; a word followed by one
        // blank and more words is the description.
        // A word ending in ':' before the description is a value of its own ("-X dev: ...").
        bool literal = word.size() > 1 && word.ends_with(':') && word.find('|') == word.npos &&
                       std::islower(static_cast<unsigned char>(word.front())) != 0;
        bool value = literal || stop == line.size() || line[stop] == ',' || line[stop] == '\t' ||
                     line.compare(stop, 2, "  ") == 0 || line.compare(stop, 2, " :") == 0;
        if (value) {
          option.metavar = std::string(word);
          if (option.metavar.ends_with(':')) option.metavar.pop_back();
          option.literal = literal;
          i = stop;
        }
      }
      on_line.push_back(std::move(option));
      if (line.compare(i, 2, ", ") == 0) {
        i += 2;
      } else if (i < line.size() && line[i] == ',') {
        ++i;
      } else {
        break;
      }
    }
    // Quoted words of the description: a value's choices ("WHEN is 'never', 'always'").
    std::vector<std::string> hints;
    std::string_view rest = line.substr(std::min(i, line.size()));
    for (size_t q = rest.find('\''); q != std::string_view::npos; q = rest.find('\'', q + 1)) {
      size_t close = rest.find('\'', q + 1);
      if (close == std::string_view::npos) break;
      std::string_view word = rest.substr(q + 1, close - q - 1);
      if (!word.empty() && word.find(' ') == std::string_view::npos) hints.emplace_back(word);
      q = close;
    }
    // "-W, --width=NUM", "-o, --output <file>": a short option takes the value of the long
    // one that follows it (but "-c, -C NUM, --context[=NUM]" leaves -c a flag).
    for (size_t k = 0; k + 1 < on_line.size(); ++k) {
      const HelpOption& next = on_line[k + 1];
      if (on_line[k].metavar.empty() && !on_line[k].name.starts_with("--") &&
          next.name.starts_with("--") && !next.metavar.empty() && !next.value_optional) {
        on_line[k].metavar = next.metavar;
      }
    }
    for (HelpOption& option : on_line) {
      option.hints = hints;
      std::string key = option.literal ? option.name + " " + option.metavar : option.name;
      if (seen.insert(key).second) options.push_back(std::move(option));
    }
  }
  return options;
}

std::vector<std::vector<std::string>> OptionVariants(const HelpOption& option,
                                                     const OptionValues& scratch) {
  std::vector<std::vector<std::string>> variants;
  if (option.metavar.empty() || option.value_optional) variants.push_back({option.name});
  if (option.metavar.empty()) return variants;
  for (const std::string& value : ValuesFor(option, scratch)) {
    if (option.attached || option.value_optional) {
      if (option.name.starts_with("--")) {
        variants.push_back({option.name + "=" + value});
      } else if (!option.value_optional) {
        variants.push_back({option.name + value});
      }
    } else {
      variants.push_back({option.name, value});
    }
  }
  return variants;
}

}  // namespace sysfence

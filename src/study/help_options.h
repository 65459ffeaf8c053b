// The options a program's --help lists, and plausible ways to give each one: what
// `sysfence explore` (explore.h) adds to a study's runs.
//
//   std::vector<HelpOption> options = ParseHelpOptions(help_text);
//   for (auto& words : OptionVariants(options[0], {.file = "f.txt", .directory = "d"})) ...
#ifndef SYSFENCE_STUDY_HELP_OPTIONS_H_
#define SYSFENCE_STUDY_HELP_OPTIONS_H_

#include <string>
#include <string_view>
#include <vector>

namespace sysfence {

// An option the program's --help lists, with the value it takes, if any.
struct HelpOption {
  std::string name;                // "-x", "--long"
  std::string metavar;             // "FILE", "<num>", "always|never"; "" for a flag
  bool value_optional = false;     // "--color[=WHEN]"
  bool attached = false;           // "--name=VALUE" (else the value is the next word)
  std::vector<std::string> hints;  // quoted words of the description ('never', 'always')
  bool literal = false;            // "-X dev: ..." (Python's): the value itself, not its kind
};

// The options of a --help text: each line that starts (after blanks) with a dash lists one or
// more options ("-c, -C NUM, --context[=NUM]  ...", "-o, --output <file>  ...",
// "-W arg : ...", "-X dev: ..."). Duplicates are dropped; the order is the text's.
std::vector<HelpOption> ParseHelpOptions(std::string_view help);

// A file and a directory a FILE or DIR value may name.
struct OptionValues {
  std::string file;
  std::string directory;
};

// The ways to give an option: a flag as it is; with a value, once per plausible value (its own
// alternatives, "always|never", or the quoted words of its description; `scratch` for a FILE
// or DIR; 3 for a number; else a word), attached ("--width=3") or as the next word ("-W 3");
// an optional value both without and with one.
std::vector<std::vector<std::string>> OptionVariants(const HelpOption& option,
                                                     const OptionValues& scratch);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_HELP_OPTIONS_H_

// Pins down how explore reads a program's options from its --help (GNU style as diff's, curl's
// "<value>" style, Python's "-X arg :" and "-X dev:" styles) and the ways it gives each one.
#include "study/help_options.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

const HelpOption* Find(const std::vector<HelpOption>& options, const std::string& name) {
  for (const HelpOption& option : options) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

TEST(ParseHelpOptions, ReadsGnuStyleFlagsValuesAndOptionalValues) {
  std::vector<HelpOption> options = ParseHelpOptions(
      "Usage: diff [OPTION]... FILES\n"
      "Compare FILES line by line.\n"
      "\n"
      "  -q, --brief                   report only when files differ\n"
      "  -c, -C NUM, --context[=NUM]   output NUM (default 3) lines of copied context\n"
      "  -W, --width=NUM               output at most NUM (default 130) print columns\n"
      "      --color[=WHEN]            color output; WHEN is 'never', 'always', or 'auto'\n"
      "      --help                    display this help and exit\n");
  ASSERT_NE(Find(options, "-q"), nullptr);
  EXPECT_EQ(Find(options, "--brief")->metavar, "");
  EXPECT_EQ(Find(options, "-C")->metavar, "NUM");
  EXPECT_EQ(Find(options, "-c")->metavar, "") << "-c is a flag beside -C NUM";
  EXPECT_FALSE(Find(options, "-C")->attached);
  EXPECT_TRUE(Find(options, "--context")->value_optional);
  EXPECT_EQ(Find(options, "--width")->metavar, "NUM");
  EXPECT_TRUE(Find(options, "--width")->attached);
  EXPECT_EQ(Find(options, "-W")->metavar, "NUM") << "a short option takes its long one's value";
  const HelpOption* color = Find(options, "--color");
  ASSERT_NE(color, nullptr);
  EXPECT_TRUE(color->value_optional);
  EXPECT_EQ(color->hints, (std::vector<std::string>{"never", "always", "auto"}));
  EXPECT_EQ(Find(options, "Compare"), nullptr);
  EXPECT_EQ(options.size(), 9u);
}

TEST(ParseHelpOptions, ReadsCurlAndPythonStyles) {
  std::vector<HelpOption> options = ParseHelpOptions(
      " -o, --output <file>        Write to file instead of stdout\n"
      " -s, --silent               Silent mode\n"
      "-c cmd : program passed in as string (terminates option list)\n"
      "-b     : issue warnings about str(bytes_instance)\n"
      "--check-hash-based-pycs always|default|never:\n"
      "         control how Python invalidates hash-based .pyc files\n"
      "-X faulthandler: enable faulthandler\n"
      "-X importtime: show how long each import takes. It shows module name,\n");
  ASSERT_NE(Find(options, "--output"), nullptr);
  EXPECT_EQ(Find(options, "--output")->metavar, "<file>");
  EXPECT_EQ(Find(options, "-o")->metavar, "<file>");
  EXPECT_EQ(Find(options, "--silent")->metavar, "");
  EXPECT_EQ(Find(options, "-c")->metavar, "cmd");
  EXPECT_EQ(Find(options, "-b")->metavar, "");
  EXPECT_EQ(Find(options, "--check-hash-based-pycs")->metavar, "always|default|never");
  EXPECT_FALSE(Find(options, "--check-hash-based-pycs")->literal);
  // Each "-X NAME:" line is an option of its own, the value given as it is.
  std::vector<std::string> x_values;
  for (const HelpOption& option : options) {
    if (option.name == "-X") {
      EXPECT_TRUE(option.literal);
      x_values.push_back(option.metavar);
    }
  }
  EXPECT_EQ(x_values, (std::vector<std::string>{"faulthandler", "importtime"}));
}

TEST(ParseHelpOptions, IgnoresProseAndDuplicates) {
  std::vector<HelpOption> options = ParseHelpOptions(
      "- a dash in prose\n"
      "  -v  verbose\n"
      "  -v  verbose again\n"
      "  --  end of options\n");
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].name, "-v");
}

// Each option is tried as it is and with plausible values, attached or as the next word.
TEST(OptionVariants, GivesFlagsValuesAndChoicesTheWayTheHelpSays) {
  OptionValues scratch{.file = "f.txt", .directory = "d"};
  std::vector<HelpOption> options = ParseHelpOptions(
      "  -q, --brief             report only when files differ\n"
      "  -W, --width=NUM         output at most NUM print columns\n"
      "      --color[=WHEN]      color output; WHEN is 'never', 'always', or 'auto'\n"
      "  -o, --output <file>     Write to file\n"
      "      --cwd DIR           work in DIR\n"
      "-X dev: enable the development mode\n");
  using Words = std::vector<std::vector<std::string>>;
  EXPECT_EQ(OptionVariants(*Find(options, "-q"), scratch), (Words{{"-q"}}));
  EXPECT_EQ(OptionVariants(*Find(options, "--width"), scratch), (Words{{"--width=3"}}));
  EXPECT_EQ(OptionVariants(*Find(options, "-W"), scratch), (Words{{"-W", "3"}}));
  EXPECT_EQ(OptionVariants(*Find(options, "--color"), scratch),
            (Words{{"--color"}, {"--color=never"}, {"--color=always"}, {"--color=auto"}}));
  EXPECT_EQ(OptionVariants(*Find(options, "--output"), scratch), (Words{{"--output", "f.txt"}}));
  EXPECT_EQ(OptionVariants(*Find(options, "--cwd"), scratch), (Words{{"--cwd", "d"}}));
  EXPECT_EQ(OptionVariants(*Find(options, "-X"), scratch), (Words{{"-X", "dev"}}));
}

}  // namespace
}  // namespace sysfence

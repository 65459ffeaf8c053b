// sysfence's entry point: everything happens in the library and the verb files.
#include "cli/cli.h"

int main(int argc, char** argv) { return sysfence::cli::RunCli(argc, argv); }

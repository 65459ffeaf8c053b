// The program `sysfence explore` is tested on: each of its paths makes a syscall no other path
// makes, so a test knows what exploring must find and which change of a run finds it.
//   --rare                   getcpu (through syscall(), never the vDSO)
//   an empty input file      sysinfo
//   an input directory       statfs
//   --linger                 leaves a child in a new session, sleeping: explore's time limit ends
//   it
// Every run also writes a file in its working directory, in $TMPDIR and in $HOME, which must all
// be explore's scratch directory.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static const char kHelp[] =
    "Usage: explore_target [OPTION]... FILE\n"
    "Counts the lines of FILE.\n"
    "\n"
    "  -q, --quiet          print nothing\n"
    "      --rare           take the rare path\n"
    "  -n, --lines=NUM      print at most NUM lines\n"
    "      --linger         leave a child process running\n"
    "      --help           display this help and exit\n";

static void Touch(const char* dir, const char* name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir : ".", name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) close(fd);
}

int main(int argc, char** argv) {
  int quiet = 0, rare = 0, linger = 0;
  const char* file = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--help") == 0) {
      fputs(kHelp, stdout);
      return 0;
    } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
      quiet = 1;
    } else if (strcmp(argv[i], "--rare") == 0) {
      rare = 1;
    } else if (strcmp(argv[i], "--linger") == 0) {
      linger = 1;
    } else if (strncmp(argv[i], "--lines=", 8) == 0 || strcmp(argv[i], "-n") == 0) {
      if (argv[i][1] == 'n' && i + 1 < argc) ++i;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "explore_target: unknown option %s\n", argv[i]);
      return 2;
    } else {
      file = argv[i];
    }
  }
  Touch(".", "explore_target.cwd");
  Touch(getenv("TMPDIR"), "explore_target.tmp");
  Touch(getenv("HOME"), ".explore_target");
  if (rare) {
    unsigned cpu = 0, node = 0;
    syscall(SYS_getcpu, &cpu, &node, NULL);
  }
  if (linger && fork() == 0) {
    setsid();
    sleep(600);
    _exit(0);
  }
  if (file == NULL) {
    fputs("explore_target: no FILE\n", stderr);
    return 2;
  }
  struct stat st;
  if (stat(file, &st) != 0) {
    perror(file);
    return 1;
  }
  if (S_ISDIR(st.st_mode)) {
    struct statfs fs;
    syscall(SYS_statfs, file, &fs);
    return 1;
  }
  if (st.st_size == 0) {
    struct sysinfo info;
    syscall(SYS_sysinfo, &info);
  }
  FILE* in = fopen(file, "r");
  if (in == NULL) return 1;
  long lines = 0;
  for (int c; (c = fgetc(in)) != EOF;) lines += c == '\n';
  fclose(in);
  if (!quiet) printf("%ld\n", lines);
  return 0;
}

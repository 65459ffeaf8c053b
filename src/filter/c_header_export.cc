// A C header for programs that sandbox themselves: the BPF program as a struct sock_filter
// array (each instruction with its disassembly beside it) and
// `static int sysfence_install_filter(void)`, which sets no_new_privs and installs the filter
// for every thread of the process (SECCOMP_FILTER_FLAG_TSYNC), so a program can call it at
// the point from which on the profile describes it (after start-up, say).
#include "seccomp/bpf_program.h"
#include "filter/exporters.h"

namespace sysfence {

std::string ExportCHeader(const FilterPolicy& policy, const CompiledFilter& filter) {
  std::string text;
  text += fmt::format(
      "/* sysfence: seccomp filter for {} (x86_64).\n"
      " * {} system calls allowed; any other call: {}.\n"
      " * Call sysfence_install_filter() where the program should start being confined; every\n"
      " * call it makes afterwards must be in the profile. Returns 0, or -1 with errno set. */\n",
      PolicyOrigin(policy), policy.allowed.Size(), FilterActionName(policy.default_action));
  text += "#ifndef SYSFENCE_FILTER_H_\n#define SYSFENCE_FILTER_H_\n\n";
  text +=
      "#include <errno.h>\n#include <linux/filter.h>\n#include <linux/seccomp.h>\n"
      "#include <sys/prctl.h>\n#include <sys/syscall.h>\n#include <unistd.h>\n\n";
  text += "static const struct sock_filter sysfence_filter[] = {\n";
  for (size_t i = 0; i < filter.program.size(); ++i) {
    const sock_filter& in = filter.program[i];
    text += fmt::format("    {{0x{:04x}, {:3}, {:3}, 0x{:08x}}}, /* {:04}: {} */\n", in.code, in.jt,
                        in.jf, in.k, i, DisassembleBpfInstruction(in));
  }
  text += "};\n\n";
  text +=
      "static int sysfence_install_filter(void) {\n"
      "  struct sock_fprog program = {\n"
      "      (unsigned short)(sizeof(sysfence_filter) / sizeof(sysfence_filter[0])),\n"
      "      (struct sock_filter *)sysfence_filter};\n"
      "  long rc;\n"
      "  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;\n"
      "  rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program);\n"
      "  if (rc > 0) { /* a thread could not be synchronized: rc is its id */\n"
      "    errno = ESRCH;\n"
      "    return -1;\n"
      "  }\n"
      "  return rc == 0 ? 0 : -1;\n"
      "}\n\n#endif /* SYSFENCE_FILTER_H_ */\n";
  return text;
}

}  // namespace sysfence

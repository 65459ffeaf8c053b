// The guard rules (see library_knowledge.h), each with the reason it is sound.
#include "analysis/library_knowledge.h"

namespace sysfence {
namespace {

const std::vector<GuardRule>& Rules() {
  static const std::vector<GuardRule> kRules = {
      // Priority-protected mutexes: pthread_mutex_lock/unlock take their PTHREAD_PRIO_PROTECT
      // path (sched_getparam, sched_setscheduler, sched_get_priority_min/max) only for a
      // mutex initialised from an attribute given that protocol; no static initializer makes
      // one. (A PP mutex initialised by another process in shared memory is not covered.)
      // Without symbols: the function pthread_mutex_setprioceiling and pthread_mutex_trylock
      // call that changes the scheduling parameters.
      {"libc.so.6",
       {"__pthread_tpp_change_priority",
        {.called_by = {"pthread_mutex_setprioceiling", "pthread_mutex_trylock"},
         .calls = {"sched_setscheduler", "sched_getparam"}}},
       {"pthread_mutexattr_setprotocol"},
       false,
       "priority-protected mutexes need pthread_mutexattr_setprotocol"},
      // Without symbols: the function pthread_mutex_trylock calls that reads the scheduling
      // parameters and changes nothing.
      {"libc.so.6",
       {"__pthread_current_priority",
        {.called_by = {"pthread_mutex_trylock"},
         .calls = {"sched_getparam", "sched_getscheduler"},
         .never_calls = {"sched_setscheduler", "sched_setparam"}}},
       {"pthread_mutexattr_setprotocol"},
       false,
       "priority-protected mutexes need pthread_mutexattr_setprotocol"},
      // The FIFO priority range (sched_get_priority_min/max) is read for priority ceilings:
      // by pthread_mutex_init only for a priority-protected mutex, otherwise by the ceiling
      // functions themselves. Without symbols: the function both attribute ceiling functions
      // call, which reads the range.
      {"libc.so.6",
       {"__init_sched_fifo_prio",
        {.called_by = {"pthread_mutexattr_getprioceiling", "pthread_mutexattr_setprioceiling"},
         .calls = {"sched_get_priority_max", "sched_get_priority_min"}}},
       {"pthread_mutexattr_setprotocol", "pthread_mutexattr_setprioceiling",
        "pthread_mutexattr_getprioceiling", "pthread_mutex_setprioceiling",
        "pthread_mutex_getprioceiling"},
       false,
       "priority ceilings need the priority-ceiling functions"},
      // The loader's debugging modes: LD_PROFILE, `ld.so --list-diagnostics`, LD_SHOW_AUXV.
      {"ld-linux-x86-64.so.2", {"_dl_start_profile"}, {}, true, "LD_PROFILE"},
      {"ld-linux-x86-64.so.2", {"_dl_print_diagnostics"}, {}, true, "ld.so --list-diagnostics"},
      {"ld-linux-x86-64.so.2", {"_dl_show_auxv"}, {}, true, "LD_SHOW_AUXV"},
      // Without symbols, their system calls: the loader's only setitimer is profil's, for
      // LD_PROFILE; since glibc 2.36 (which dropped the kernel version check) its only uname
      // is the diagnostics'.
      {"ld-linux-x86-64.so.2", {"", {.issues = "setitimer"}}, {}, true, "LD_PROFILE"},
      {"ld-linux-x86-64.so.2",
       {"", {.issues = "uname", .min_glibc_minor = 36}},
       {},
       true,
       "ld.so --list-diagnostics"},
  };
  return kRules;
}

// create_thread without symbols: the function pthread_create calls that sets the new
// thread's CPU set.
const FunctionLocator kCreateThread = {.called_by = {"pthread_create"},
                                       .issues = "sched_setaffinity"};

const std::vector<SiteRule>& Sites() {
  static const std::vector<SiteRule> kRules = {
      // pthread_create reads and checks scheduling parameters, and create_thread applies
      // them, only for an attribute with PTHREAD_EXPLICIT_SCHED (ATTR_FLAG_NOTINHERITSCHED),
      // which pthread_attr_setinheritsched sets (or a default attribute copied from one).
      {"libc.so.6",
       {"pthread_create"},
       {"sched_getparam", "sched_getscheduler", "sched_get_priority_min", "sched_get_priority_max"},
       {"pthread_attr_setinheritsched", "pthread_setattr_default_np"},
       "explicit scheduling needs pthread_attr_setinheritsched"},
      {"libc.so.6",
       {"create_thread", kCreateThread},
       {"sched_setscheduler"},
       {"pthread_attr_setinheritsched", "pthread_setattr_default_np"},
       "explicit scheduling needs pthread_attr_setinheritsched"},
      // A CPU set in the attribute comes from pthread_attr_setaffinity_np (pthread_create
      // copies the default attribute through it, which has one only after
      // pthread_setattr_default_np). Without symbols, the copy is the function the default
      // attribute's getter and setter both call, which sets the CPU set.
      {"libc.so.6",
       {"create_thread", kCreateThread},
       {"sched_setaffinity"},
       {"pthread_attr_setaffinity_np", "pthread_setattr_default_np"},
       "a thread's CPU set needs pthread_attr_setaffinity_np",
       {{"__pthread_attr_copy",
         {.called_by = {"pthread_getattr_default_np", "pthread_setattr_default_np"},
          .calls = {"pthread_attr_setaffinity_np"}}}}},
  };
  return kRules;
}

}  // namespace

bool IsGlibcObject(std::string_view soname) {
  static constexpr std::string_view kGlibc[] = {
      "libc.so.6",  "libm.so.6",  "libmvec.so.1",   "ld-linux-x86-64.so.2", "libpthread.so.0",
      "libdl.so.2", "librt.so.1", "libresolv.so.2", "libanl.so.1",          "libutil.so.1"};
  for (std::string_view name : kGlibc) {
    if (soname == name) return true;
  }
  return false;
}

uint32_t FindRuleFunctionIn(const ObjectIndex& object, const RuleFunction& function) {
  if (!function.name.empty()) {
    uint32_t f = object.FunctionNamed(function.name);
    if (f != kNoIndex) return f;
  }
  return LocateFunction(object.elf(), object.summary(), function.locator);
}

std::span<const RuleFunction> SetxidBroadcastFunctions() {
  static const RuleFunction kFunctions[] = {
      // Without symbols: the function the set*id wrappers call that sends the signal to
      // every thread (it reads the caller's pid).
      {"__nptl_setxid", {.called_by = {"setuid", "setgid", "setresuid"}, .calls = {"getpid"}}},
      // The handler pthread_create installs for the broadcast signal.
      {"__nptl_setxid_sighandler", {.taken_by = {"pthread_create"}, .calls = {"getpid"}}},
  };
  return kFunctions;
}

std::span<const GuardRule> GuardRules() { return Rules(); }
std::span<const SiteRule> SiteRules() { return Sites(); }

std::span<const NumberRule> NumberRules() {
  static const std::vector<NumberRule> kRules = {
      // libseccomp 2.x (src/system.c) looks up its own architecture's number of seccomp once
      // (arch_syscall_resolve_name(arch_def_native, "seccomp")), keeps it in a global, and
      // every syscall() it makes passes that global: the probes of sys_chk_seccomp_syscall
      // and sys_chk_seccomp_flag, the filter load, and the notification calls.
      {"libseccomp.so.2",
       "syscall",
       {"seccomp"},
       "libseccomp passes only its looked-up number of seccomp to syscall()"},
  };
  return kRules;
}

std::span<const ArgumentValueRule> ArgumentValueRules() {
  static const std::vector<ArgumentValueRule> kRules = {
      // glibc's tcsetattr (sysdeps/unix/sysv/linux/tcsetattr.c) turns optional_actions into
      // TCSETS + optional_actions after checking it is TCSANOW, TCSADRAIN or TCSAFLUSH, and
      // reads the settings back with TCGETS; releases with arbitrary baud rates use the
      // termios2 requests instead. It issues no other ioctl.
      {"libc.so.6",
       "tcsetattr",
       "ioctl",
       1,
       {0x5401 /*TCGETS*/, 0x5402 /*TCSETS*/, 0x5403 /*TCSETSW*/, 0x5404 /*TCSETSF*/,
        0x802c542a /*TCGETS2*/, 0x402c542b /*TCSETS2*/, 0x402c542c /*TCSETSW2*/,
        0x402c542d /*TCSETSF2*/},
       "tcsetattr issues only the TCGETS and TCSETS requests"},
  };
  return kRules;
}

}  // namespace sysfence

// The guard rules (see library_knowledge.h), each with the reason it is sound.
#include "analysis/library_knowledge.h"

namespace sysfence {
namespace {

const std::vector<GuardRule>& Rules() {
  static const std::vector<GuardRule> rules = {
      // Priority-protected mutexes: pthread_mutex_lock/unlock take their PTHREAD_PRIO_PROTECT
      // path (sched_getparam, sched_setscheduler, sched_get_priority_min/max) only for a
      // mutex initialised from an attribute given that protocol; no static initializer makes
      // one. (A PP mutex initialised by another process in shared memory is not covered.)
      {"libc.so.6", "__pthread_tpp_change_priority", {"pthread_mutexattr_setprotocol"}, false,
       "priority-protected mutexes need pthread_mutexattr_setprotocol"},
      {"libc.so.6", "__pthread_current_priority", {"pthread_mutexattr_setprotocol"}, false,
       "priority-protected mutexes need pthread_mutexattr_setprotocol"},
      // The FIFO priority range (sched_get_priority_min/max) is read for priority ceilings:
      // by pthread_mutex_init only for a priority-protected mutex, otherwise by the ceiling
      // functions themselves.
      {"libc.so.6",
       "__init_sched_fifo_prio",
       {"pthread_mutexattr_setprotocol", "pthread_mutexattr_setprioceiling",
        "pthread_mutexattr_getprioceiling", "pthread_mutex_setprioceiling",
        "pthread_mutex_getprioceiling"},
       false,
       "priority ceilings need the priority-ceiling functions"},
      // The loader's debugging modes: LD_PROFILE, `ld.so --list-diagnostics`, LD_SHOW_AUXV.
      {"ld-linux-x86-64.so.2", "_dl_start_profile", {}, true, "LD_PROFILE"},
      {"ld-linux-x86-64.so.2", "_dl_print_diagnostics", {}, true, "ld.so --list-diagnostics"},
      {"ld-linux-x86-64.so.2", "_dl_show_auxv", {}, true, "LD_SHOW_AUXV"},
  };
  return rules;
}

const std::vector<SiteRule>& Sites() {
  static const std::vector<SiteRule> rules = {
      // pthread_create reads and checks scheduling parameters, and create_thread applies
      // them, only for an attribute with PTHREAD_EXPLICIT_SCHED (ATTR_FLAG_NOTINHERITSCHED),
      // which pthread_attr_setinheritsched sets (or a default attribute copied from one).
      {"libc.so.6",
       "pthread_create",
       {"sched_getparam", "sched_getscheduler", "sched_get_priority_min", "sched_get_priority_max"},
       {"pthread_attr_setinheritsched", "pthread_setattr_default_np"},
       "explicit scheduling needs pthread_attr_setinheritsched"},
      {"libc.so.6",
       "create_thread",
       {"sched_setscheduler"},
       {"pthread_attr_setinheritsched", "pthread_setattr_default_np"},
       "explicit scheduling needs pthread_attr_setinheritsched"},
      // A CPU set in the attribute comes from pthread_attr_setaffinity_np (pthread_create
      // copies the default attribute through it, which has one only after
      // pthread_setattr_default_np).
      {"libc.so.6",
       "create_thread",
       {"sched_setaffinity"},
       {"pthread_attr_setaffinity_np", "pthread_setattr_default_np"},
       "a thread's CPU set needs pthread_attr_setaffinity_np",
       {"__pthread_attr_copy"}},
  };
  return rules;
}

}  // namespace

std::span<const GuardRule> GuardRules() { return Rules(); }
std::span<const SiteRule> SiteRules() { return Sites(); }

std::span<const NumberRule> NumberRules() {
  static const std::vector<NumberRule> rules = {
      // libseccomp 2.x (src/system.c) looks up its own architecture's number of seccomp once
      // (arch_syscall_resolve_name(arch_def_native, "seccomp")), keeps it in a global, and
      // every syscall() it makes passes that global: the probes of sys_chk_seccomp_syscall
      // and sys_chk_seccomp_flag, the filter load, and the notification calls.
      {"libseccomp.so.2", "syscall", {"seccomp"},
       "libseccomp passes only its looked-up number of seccomp to syscall()"},
  };
  return rules;
}

}  // namespace sysfence

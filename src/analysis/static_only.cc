// `compare --explain`: why each syscall of the static set is missing from a trace (see
// profile/static_only.h for the classes). The evidence comes from two places: the trace's
// syscall sites (Profile::sites, by file offset), matched with the analysis' sites, tell
// which functions ran; the call graph of the reached functions (direct calls, PLT calls bound
// as the loader binds them, IFUNC implementations) tells how the remaining sites are reached.
//
//   - reachable on another path: a function holding one of the call's sites ran;
//   - error or rare path: a site is reached by direct calls from main without passing any
//     machinery; the nearest function that ran, or that leads to code that ran, above it is
//     named, with the calls from there down to the site;
//   - only through an indirect call: no chain of direct calls from any root reaches a site;
//     the address-taken function on the analysis' path is named;
//   - loader or libc machinery: the sites are reached only through the loader, start-up, exit,
//     dlopen, NSS or locale code, or the call has no site (vDSO fallbacks, calls the kernel
//     makes).
#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "analysis/static_analysis.h"
#include "base/root_path.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

// glibc's (and the loader's) code for starting, ending, loading and localising a process.
bool IsMachineryName(std::string_view name) {
  static constexpr std::string_view kPrefixes[] = {"__dl_",
                                                   "_rtld_",
                                                   "__rtld_",
                                                   "__libc_start",
                                                   "__libc_csu",
                                                   "__libc_early",
                                                   "__libc_init",
                                                   "__libc_setup",
                                                   "__libc_freeres",
                                                   "__libc_dl",
                                                   "__libc_atexit",
                                                   "__run_exit",
                                                   "__cxa_finalize",
                                                   "__call_tls_dtors",
                                                   "_IO_cleanup",
                                                   "__nss_",
                                                   "_nss_",
                                                   "nss_",
                                                   "__nscd_",
                                                   "_nl_",
                                                   "setlocale",
                                                   "__setlocale",
                                                   "newlocale",
                                                   "__newlocale",
                                                   "__gconv",
                                                   "__dcigettext",
                                                   "init_cacheinfo",
                                                   "__init_cpu",
                                                   "_dl",
                                                   "dlopen",
                                                   "dlmopen",
                                                   "dlclose",
                                                   "__dlopen",
                                                   "__dlclose",
                                                   "dlerror",
                                                   "__dlerror",
                                                   "bindtextdomain",
                                                   "textdomain",
                                                   "__textdomain",
                                                   "__bindtextdomain"};
  static constexpr std::string_view kNames[] = {"exit",  "_exit", "_Exit",      "__libc_exit",
                                                "_init", "_fini", "__libc_main"};
  for (std::string_view n : kNames) {
    if (name == n) return true;
  }
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [&](std::string_view p) { return name.starts_with(p); });
}

struct Edge {
  FunctionRef to;
  uint64_t site = 0;  // the call's address in the caller
};

}  // namespace

StaticOnlyReport StaticAnalysis::ExplainStaticOnly(const Profile& dynamic) const {
  StaticOnlyReport report;
  report.target = profile_.target;
  report.without_sites = dynamic.sites.empty();

  // Machinery: the loader, NSS back-ends, and glibc's start, exit, dlopen and locale code.
  auto why_machinery = [&](FunctionRef f) -> std::string {
    const LoadedObject& loaded = program_.object(f.object).loaded;
    if (loaded.reason == "interpreter") return "the dynamic loader";
    if (loaded.reason.find("NSS") != std::string::npos) return "an NSS back-end";
    std::string name = program_.FunctionName(f);
    if (IsMachineryName(name)) return name;
    return "";
  };

  // The analysis' sites that ran: the trace's file offsets, mapped to each object's addresses.
  std::unordered_set<uint64_t> ran_functions;                                 // FunctionRef keys
  std::unordered_map<uint64_t, std::pair<uint64_t, SyscallSet>> ran_site_in;  // function -> one
  // Per object: address of each site the trace saw -> the calls the trace saw it issue.
  std::vector<std::unordered_map<uint64_t, SyscallSet>> ran_addresses(program_.size());
  for (uint32_t o = 0; o < program_.size(); ++o) {
    auto found =
        dynamic.sites.find(CanonicalPath(options_.resolver.sysroot, program_.ObjectPath(o)));
    if (found == dynamic.sites.end()) continue;
    const ElfFile& elf = *program_.object(o).loaded.elf;
    for (const auto& [offset, calls] : found->second) {
      for (const ElfSegment& segment : elf.segments()) {
        if (segment.type == PT_LOAD && offset >= segment.offset &&
            offset < segment.offset + segment.file_size) {
          ran_addresses[o][segment.vaddr + (offset - segment.offset)] |= calls;
          break;
        }
      }
    }
  }
  for (const ResolvedSite& site : sites_) {
    if (site.kind != SiteKind::kSyscall) continue;
    ++report.static_sites;
    auto traced = ran_addresses[site.function.object].find(site.address);
    bool ran = traced != ran_addresses[site.function.object].end();
    report.sites.push_back({.image = program_.ObjectPath(site.function.object),
                            .function = program_.FunctionName(site.function),
                            .address = site.address,
                            .calls = site.numbers,
                            .ran = ran});
    if (!ran) continue;
    ++report.static_sites_ran;
    ran_functions.insert(site.function.Key());
    ran_site_in.try_emplace(site.function.Key(), site.address, traced->second);
  }

  // The direct-call graph of the reached functions, both ways.
  std::unordered_map<uint64_t, std::vector<Edge>> callees;
  std::unordered_map<uint64_t, std::vector<Edge>> callers;  // Edge::to is the caller
  auto add_edge = [&](FunctionRef from, FunctionRef to, uint64_t site) {
    if (!to.valid() || !reach_->IsReached(to)) return;
    callees[from.Key()].push_back({to, site});
    callers[to.Key()].push_back({from, site});
  };
  for (FunctionRef f : reach_->reached()) {
    const ObjectSummary& s = program_.summary(f.object);
    for (const CallSite& c : s.CallsOf(s.functions[f.function])) {
      if (c.target_kind == TargetKind::kFunction) {
        add_edge(f, {f.object, c.target}, c.address);
      } else if (c.target_kind == TargetKind::kImport) {
        std::optional<SymbolBinding> b = program_.Resolve(f.object, c.target);
        if (!b) continue;
        FunctionRef target = program_.FunctionOf(*b);
        if (!target.valid()) continue;
        if (b->is_ifunc) {
          for (FunctionRef impl : reach_->IfuncCandidates(target)) add_edge(f, impl, c.address);
        } else {
          add_edge(f, target, c.address);
        }
      } else if (c.target_kind == TargetKind::kIfunc) {
        for (FunctionRef impl : reach_->IfuncCandidates({f.object, c.target})) {
          add_edge(f, impl, c.address);
        }
      }
    }
  }

  // Breadth-first over direct calls from `starts`, entering machinery only with `machinery`:
  // each function found, with the caller it was found from (itself for a start).
  using Parents = std::unordered_map<uint64_t, Edge>;
  auto search = [&](const std::vector<FunctionRef>& starts, bool machinery) {
    Parents parents;
    std::deque<FunctionRef> queue;
    for (FunctionRef f : starts) {
      if (!f.valid() || (!machinery && !why_machinery(f).empty())) continue;
      if (parents.try_emplace(f.Key(), Edge{f, 0}).second) queue.push_back(f);
    }
    while (!queue.empty()) {
      FunctionRef f = queue.front();
      queue.pop_front();
      auto out = callees.find(f.Key());
      if (out == callees.end()) continue;
      for (const Edge& e : out->second) {
        if (!machinery && !why_machinery(e.to).empty()) continue;
        if (parents.try_emplace(e.to.Key(), Edge{f, e.site}).second) queue.push_back(e.to);
      }
    }
    return parents;
  };
  // The lines "A calls B (at 0x...)" from a start down to `f`.
  auto path_lines = [&](const Parents& parents, FunctionRef f) {
    std::vector<std::string> lines;
    for (size_t guard = 0; guard < 10000; ++guard) {
      const Edge& up = parents.at(f.Key());
      if (up.to == f) break;
      lines.push_back(fmt::format("{} calls {} (at {:#x})", Describe(up.to),
                                  program_.FunctionName(f), up.site));
      f = up.to;
    }
    std::reverse(lines.begin(), lines.end());
    return lines;
  };

  std::vector<FunctionRef> program_roots;
  std::vector<FunctionRef> all_roots;
  Result<FunctionRef> main = FindMain();
  if (main.ok() && main->valid()) program_roots.push_back(*main);
  for (FunctionRef f : reach_->reached()) {
    if (!reach_->IsRoot(f)) continue;
    all_roots.push_back(f);
    const ReachStep& step = reach_->StepOf(f);
    std::string reason = step.root != kNoIndex ? reach_->RootReason(step.root) : "";
    bool own = f.object == 0 && (reason.starts_with("exported by") ||
                                 (!main.ok() && reason.starts_with("entry point of ")));
    if (own) program_roots.push_back(f);
  }
  if (main.ok() && main->valid()) all_roots.push_back(*main);
  Parents from_program = search(program_roots, /*machinery=*/false);
  Parents from_roots = search(all_roots, /*machinery=*/true);

  // Functions the trace shows ran: those whose sites ran, and every function that dominates
  // one of them in the direct-call graph from the roots (each path from a root to it passes
  // there). Dominators by the iterative algorithm of Cooper, Harvey and Kennedy, over a
  // virtual root that calls every root.
  std::unordered_set<uint64_t> known_ran = ran_functions;
  std::unordered_map<uint64_t, uint64_t> ran_below;  // a dominator -> a ran function under it
  {
    std::vector<FunctionRef> nodes;  // reverse postorder; index 0 is the virtual root
    std::unordered_map<uint64_t, int> index;
    std::vector<std::vector<int>> preds;
    {
      // Iterative depth-first postorder from the roots.
      std::vector<FunctionRef> post;
      std::unordered_set<uint64_t> seen;
      std::vector<std::pair<FunctionRef, size_t>> stack;
      for (FunctionRef root : all_roots) {
        if (!seen.insert(root.Key()).second) continue;
        stack.push_back({root, 0});
        while (!stack.empty()) {
          auto& [f, next] = stack.back();
          auto out = callees.find(f.Key());
          if (out != callees.end() && next < out->second.size()) {
            FunctionRef to = out->second[next++].to;
            if (seen.insert(to.Key()).second) stack.push_back({to, 0});
            continue;
          }
          post.push_back(f);
          stack.pop_back();
        }
      }
      nodes.push_back(FunctionRef{});
      for (auto it = post.rbegin(); it != post.rend(); ++it) {
        index[it->Key()] = static_cast<int>(nodes.size());
        nodes.push_back(*it);
      }
      preds.resize(nodes.size());
      for (FunctionRef root : all_roots)
        preds[static_cast<size_t>(index.at(root.Key()))].push_back(0);
      for (size_t i = 1; i < nodes.size(); ++i) {
        auto out = callees.find(nodes[i].Key());
        if (out == callees.end()) continue;
        for (const Edge& e : out->second) {
          auto to = index.find(e.to.Key());
          if (to != index.end())
            preds[static_cast<size_t>(to->second)].push_back(static_cast<int>(i));
        }
      }
    }
    std::vector<int> idom(nodes.size(), -1);
    idom[0] = 0;
    auto intersect = [&](int a, int b) {
      while (a != b) {
        while (a > b) a = idom[static_cast<size_t>(a)];
        while (b > a) b = idom[static_cast<size_t>(b)];
      }
      return a;
    };
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 1; i < nodes.size(); ++i) {
        int chosen = -1;
        for (int p : preds[i]) {
          if (idom[static_cast<size_t>(p)] < 0) continue;
          chosen = chosen < 0 ? p : intersect(p, chosen);
        }
        if (chosen >= 0 && idom[i] != chosen) {
          idom[i] = chosen;
          changed = true;
        }
      }
    }
    for (uint64_t key : ran_functions) {
      auto at = index.find(key);
      if (at == index.end()) continue;
      for (int d = idom[static_cast<size_t>(at->second)]; d > 0; d = idom[static_cast<size_t>(d)]) {
        uint64_t dominator = nodes[static_cast<size_t>(d)].Key();
        known_ran.insert(dominator);
        ran_below.try_emplace(dominator, key);
      }
    }
  }

  for (int number : profile_.syscalls - dynamic.syscalls) {
    StaticOnlyCall best;
    best.number = number;
    bool decided = false;
    auto offer = [&](StaticOnlyCall candidate) {
      if (!decided || candidate.kind < best.kind) best = std::move(candidate);
      decided = true;
    };
    std::string name = SyscallDisplayName(number);
    for (const ResolvedSite& site : sites_) {
      if (site.kind != SiteKind::kSyscall || !site.numbers.Contains(number)) continue;
      FunctionRef f = site.function;
      StaticOnlyCall c;
      c.number = number;
      std::string site_text = fmt::format("site {:#x} in {}", site.address, Describe(f));
      if (ran_functions.count(f.Key()) != 0) {
        const auto& [ran_address, ran_calls] = ran_site_in.at(f.Key());
        c.kind = StaticOnlyClass::kOtherPath;
        c.evidence =
            fmt::format("its {} is in a function that ran: the trace saw its site {:#x} issue {}",
                        site_text, ran_address, fmt::join(ran_calls.Names(), ", "));
        offer(std::move(c));
        continue;
      }
      if (from_program.count(f.Key()) != 0) {
        c.kind = StaticOnlyClass::kRarePath;
        // The nearest function above the site that ran or leads to code that ran.
        std::unordered_map<uint64_t, Edge> down;  // caller -> the call towards the site
        std::deque<FunctionRef> queue{f};
        down.try_emplace(f.Key(), Edge{f, 0});
        FunctionRef nearest;
        while (!queue.empty() && !nearest.valid()) {
          FunctionRef g = queue.front();
          queue.pop_front();
          if (g != f && known_ran.count(g.Key()) != 0) {
            nearest = g;
            break;
          }
          auto in = callers.find(g.Key());
          if (in == callers.end()) continue;
          for (const Edge& e : in->second) {
            if (from_program.count(e.to.Key()) == 0) continue;
            if (down.try_emplace(e.to.Key(), Edge{g, e.site}).second) queue.push_back(e.to);
          }
        }
        if (nearest.valid()) {
          for (FunctionRef g = nearest; g != f;) {
            const Edge& next = down.at(g.Key());
            c.path.push_back(fmt::format("{} calls {} (at {:#x})", Describe(g),
                                         program_.FunctionName(next.to), next.site));
            g = next.to;
          }
          std::string how = "ran: the trace saw its syscall sites";
          if (ran_functions.count(nearest.Key()) == 0) {
            uint64_t below = ran_below.at(nearest.Key());
            how = fmt::format(
                "ran: every path to {}, whose syscall sites the trace saw, passes there",
                program_.FunctionName(
                    FunctionRef{static_cast<uint32_t>(below >> 32), static_cast<uint32_t>(below)}));
          }
          c.evidence = fmt::format(
              "its {} is {} call(s) below {}, which {}; the traces never took that branch",
              site_text, c.path.size(), program_.FunctionName(nearest), how);
        } else {
          c.path = path_lines(from_program, f);
          c.evidence = fmt::format(
              "its {} is reached from main by direct calls, through code no trace ran", site_text);
        }
        c.path.push_back(fmt::format("{} issues {}", site_text, name));
        offer(std::move(c));
        continue;
      }
      std::string machinery = why_machinery(f);
      if (from_roots.count(f.Key()) != 0 || !machinery.empty()) {
        c.kind = StaticOnlyClass::kMachinery;
        if (from_roots.count(f.Key()) != 0) c.path = path_lines(from_roots, f);
        // The machinery on the way: the first function of the path that is machinery.
        if (machinery.empty()) {
          for (FunctionRef g = f; from_roots.count(g.Key()) != 0;) {
            std::string why = why_machinery(g);
            if (!why.empty()) machinery = why;
            const Edge& up = from_roots.at(g.Key());
            if (up.to == g) break;
            g = up.to;
          }
        }
        if (machinery.empty()) {
          const ReachStep& step = reach_->StepOf(f);
          machinery = step.root != kNoIndex ? reach_->RootReason(step.root) : "start-up code";
        }
        c.evidence = fmt::format("its {} is reached only through {}", site_text, machinery);
        c.path.push_back(fmt::format("{} issues {}", site_text, name));
        offer(std::move(c));
        continue;
      }
      if (number == *SyscallNumber("rt_sigreturn")) {
        c.kind = StaticOnlyClass::kMachinery;
        c.evidence = fmt::format(
            "its {} is libc's signal-return trampoline, which a signal handler returns through; "
            "no signal with a handler arrived in the traces",
            site_text);
        c.path = {fmt::format("{} issues {}", site_text, name)};
        offer(std::move(c));
        continue;
      }
      c.kind = StaticOnlyClass::kIndirectOnly;
      // The pointer on the analysis' path to the site, and machinery on that path.
      std::string pointer = "an address-taken function";
      bool pointer_found = false;
      std::string machinery_on_path;
      for (FunctionRef g = f; g.valid();) {
        if (machinery_on_path.empty()) machinery_on_path = why_machinery(g);
        const ReachStep& step = reach_->StepOf(g);
        bool through_pointer = step.kind == ReachKind::kPointer ||
                               (step.kind != ReachKind::kRoot && !step.from.valid());
        if (through_pointer && !pointer_found) {
          pointer_found = true;
          pointer = step.from.valid()
                        ? fmt::format("{}, whose address {} takes", program_.FunctionName(g),
                                      Describe(step.from))
                        : fmt::format("{}, whose address is stored in data the loader sets up",
                                      program_.FunctionName(g));
        }
        if (step.kind == ReachKind::kRoot || !step.from.valid()) break;
        g = step.from;
      }
      if (!machinery_on_path.empty()) {
        c.kind = StaticOnlyClass::kMachinery;
        c.evidence = fmt::format("its {} is reached only through {}, and through a pointer: {}",
                                 site_text, machinery_on_path, pointer);
      }
      if (c.kind == StaticOnlyClass::kIndirectOnly) {
        c.evidence = fmt::format(
            "no chain of direct calls reaches its {}: every path calls {} through a pointer",
            site_text, pointer);
      }
      std::string lines = PathTo(f, {fmt::format("{} issues {}", site_text, name)});
      for (size_t start = 0; start < lines.size();) {
        size_t end = lines.find('\n', start);
        std::string line = lines.substr(start, end - start);
        line.erase(0, line.find_first_not_of(' '));
        if (!line.empty()) c.path.push_back(line);
        start = end == std::string::npos ? lines.size() : end + 1;
      }
      offer(std::move(c));
    }
    if (!decided) {
      // No site of the analysis issues it: the profile adds it for another reason.
      best.kind = StaticOnlyClass::kMachinery;
      auto evidence = profile_.evidence.find(number);
      if (evidence != profile_.evidence.end() && !evidence->second.empty()) {
        const CodeLocation& l = evidence->second.front();
        std::string function = l.function;
        if (size_t mark = function.find(" (vDSO fallback)"); mark != std::string::npos) {
          function.resize(mark);
          best.evidence = fmt::format(
              "no site issues it: {} in {} falls back to it when the vDSO cannot answer; the "
              "vDSO answers it in user space, where no trace sees it",
              function, l.image);
        } else if (l.image == "[kernel]") {
          best.evidence = fmt::format("no site issues it: the kernel makes it ({})", function);
        } else {
          best.evidence = fmt::format("no site issues it: {} in {}", function, l.image);
        }
      } else {
        best.evidence = "no site issues it: every syscall is allowed (--unresolved=all)";
      }
    }
    report.calls.push_back(std::move(best));
  }
  return report;
}

}  // namespace sysfence

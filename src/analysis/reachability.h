// Whole-process reachability: a worklist fixpoint over functions and data regions.
//
//   - A reached function reaches what it calls and jumps to (directly, through its PLT and
//     GOT, bound with the loader's lookup order) and the data regions it refers to; the
//     functions whose addresses it takes become address-taken.
//   - A reached data region makes every pointer stored in it count: functions become
//     address-taken, other regions are reached.
//   - Once any reached function calls through a pointer, every address-taken function is
//     reached (and every function whose address is taken later).
//
// Addresses only count when they are taken in reached code or stored in reached data, which
// is what keeps this tighter than "every pointer anywhere". Each reached function remembers
// how it was reached, so a path can be printed (--explain).
//
//   Reachability reach(program);
//   reach.AddRoot({object, function}, "entry point");
//   reach.Run();
//   if (reach.IsReached(f)) ...;
#ifndef SYSFENCE_ANALYSIS_REACHABILITY_H_
#define SYSFENCE_ANALYSIS_REACHABILITY_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/linked_program.h"

namespace sysfence {

// How a function was first reached.
enum class ReachKind : uint8_t {
  kRoot,     // a root (reason in root_reasons)
  kCall,     // called or jumped to by `from`
  kPointer,  // called through a pointer; its address was taken by `from` (a function) or
             // stored in data reached from `from`
  kIfunc,    // an IFUNC implementation the resolver `from` may pick
};

struct ReachStep {
  ReachKind kind = ReachKind::kRoot;
  FunctionRef from;
  // The call site in `from` (kCall): an index into its object's calls (Reachability::SiteOf
  // gives its address; the walk does not read the call site to record it).
  uint32_t call = kNoIndex;
  uint32_t root = kNoIndex;  // index into root reasons (kRoot)
};

class Reachability {
 public:
  explicit Reachability(LinkedProgram& program);

  // Call after objects were added to the program (they start unreached).
  void GrowToProgram();
  // Root functions; `unknown_arguments` roots are entered with arguments nothing in the
  // program controls (the entry point, exports of a library, callbacks of the loader).
  void AddRoot(FunctionRef f, const std::string& reason);
  void AddRootRegion(RegionRef r, const std::string& reason);
  // An IFUNC resolver the loader runs, and every implementation it may pick.
  void AddIfuncRoot(FunctionRef resolver, const std::string& reason);
  // An IFUNC resolver the loader runs whose only use of the implementations it picks from is
  // to return one: their addresses reach the IFUNC's slot, not the program, so they run
  // only when something calls through (or loads) the IFUNC. Call before Run.
  void AddReturningIfuncResolver(FunctionRef resolver, const std::string& reason);
  // Treats the function's address as taken (exports of dlopened objects, found via dlsym;
  // functions whose addresses an earlier phase took). `from_outside`: its callers pass
  // arguments nothing in the program controls (dlsym users); false when the pointer calls
  // the reached code makes are its only callers.
  void TakeAddress(FunctionRef f, const std::string& reason, bool from_outside = true);
  // The address an IFUNC symbol binds to is taken (dlsym finds it): its resolver runs, and
  // every implementation it may pick is address-taken.
  void TakeIfuncAddress(FunctionRef resolver, const std::string& reason);
  // A phase boundary: `f` is never reached, and its address taken by `taker` (the entry
  // point passing main to __libc_start_main; any function when `taker` is invalid) does not
  // count. Call before adding roots.
  void AddStop(FunctionRef f, FunctionRef taker);
  // `guarded` is reached only after one of `enablers` is (never, when there are none).
  // Call before adding roots.
  void AddGuard(FunctionRef guarded, const std::vector<FunctionRef>& enablers);
  // Runs the worklist to its fixpoint; may be called again after adding roots.
  void Run();

  bool IsReached(FunctionRef f) const;
  bool IsAddressTaken(FunctionRef f) const;
  bool IsRoot(FunctionRef f) const;
  // Entered in a way no call site of the program describes: a root, a callback of the
  // loader, an IFUNC implementation. Its arguments are unknown.
  bool IsEnteredFromOutside(FunctionRef f) const;
  bool indirect_calls_reached() const { return indirect_seen_; }
  const ReachStep& StepOf(FunctionRef f) const;
  // The address of a kCall step's call site (0 for other steps).
  uint64_t SiteOf(const ReachStep& step) const;
  const std::string& RootReason(uint32_t index) const { return root_reasons_[index]; }
  // Every reached function, in the order reached.
  const std::vector<FunctionRef>& reached() const { return reached_list_; }
  // Every function whose address is taken (reached or not).
  const std::vector<FunctionRef>& taken() const { return taken_list_; }
  // The candidate implementations of an IFUNC resolver (found once per resolver).
  const std::vector<FunctionRef>& IfuncCandidates(FunctionRef resolver) const;
  size_t reached_region_count() const { return reached_regions_; }

 private:
  struct Guard {
    bool enabled = false;
    std::vector<std::pair<FunctionRef, ReachStep>> waiting;
  };
  // A function's state, one byte of these bits (one load per visit).
  enum FunctionBits : uint8_t {
    kReached = 1,
    kTaken = 2,
    kRoot = 4,
    kOpaque = 8,        // entered from outside (see IsEnteredFromOutside)
    kGuard = 16,        // guarded or an enabler: look in guards_
    kReturnsPick = 32,  // see AddReturningIfuncResolver
  };
  struct ObjectState {
    std::vector<uint8_t> function_bits;
    std::vector<ReachStep> steps;
    std::vector<uint8_t> region_reached;
    std::vector<FunctionRef> region_origin;  // the function whose reference reached it
  };

  void Reach(FunctionRef f, const ReachStep& step);
  void Take(FunctionRef f, FunctionRef origin);
  void ReachRegion(RegionRef r, FunctionRef origin);
  void ApplyReference(uint32_t object, const Reference& ref, FunctionRef origin);
  // `call`: the call site in `from` (an index into its object's calls), or kNoIndex.
  void ReachIfunc(FunctionRef resolver, FunctionRef from, uint32_t call);
  void Process(FunctionRef f);
  // Starts loading what Process will read for the functions after worklist_[next].
  void Prefetch(size_t next) const;

  LinkedProgram& program_;
  std::vector<ObjectState> state_;
  std::vector<FunctionRef> worklist_;
  std::vector<FunctionRef> reached_list_;
  std::vector<FunctionRef> taken_list_;
  std::vector<FunctionRef> taken_origin_;
  std::vector<std::string> root_reasons_;
  std::vector<Guard> guards_;
  std::unordered_map<uint64_t, uint32_t> guard_of_;              // guarded -> guard
  std::unordered_map<uint64_t, std::vector<uint32_t>> enables_;  // enabler -> guards
  std::vector<std::pair<FunctionRef, FunctionRef>> stops_;       // (stop, taker ignored)
  bool indirect_seen_ = false;
  size_t reached_regions_ = 0;
  mutable std::unordered_map<uint64_t, std::vector<FunctionRef>> ifunc_candidates_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_REACHABILITY_H_

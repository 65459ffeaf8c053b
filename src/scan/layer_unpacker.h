// Applies image layers (tar streams, compressed or not) to a directory the way the OCI image
// specification's changesets say: entries in order, later ones replacing earlier ones;
// `.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq` empties its directory of
// what the layers below put there. Every write goes through descriptors of directories this
// class opened itself (openat, mkdirat, symlinkat, linkat with O_NOFOLLOW), walking each
// path one component at a time, so nothing can land outside the root:
//
//   - an entry with a `..` component is refused;
//   - a path through a link is followed only when the link is relative and stays inside the
//     root; an absolute link (the host would follow it out of the root) or one climbing out
//     with `..` refuses the entry;
//   - a hard link's target is looked up the same way.
// Device nodes, FIFOs and sockets are skipped (counted); owners are not set; setuid and
// setgid bits are dropped.
//
//   Result<LayerUnpacker> unpacker = LayerUnpacker::Open("/tmp/scratch/rootfs");
//   Status s = unpacker->Apply(archive, "layer 2 (sha256:...)");
#ifndef SYSFENCE_SCAN_LAYER_UNPACKER_H_
#define SYSFENCE_SCAN_LAYER_UNPACKER_H_

#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

struct archive;
struct archive_entry;

namespace sysfence {

class LayerUnpacker {
 public:
  // `root` must be an existing directory.
  static Result<LayerUnpacker> Open(const std::string& root);

  // Applies the layer `layer` reads (opened, its format and filters set); errors name
  // `label`, the entry and the reason.
  Status Apply(struct archive* layer, const std::string& label);

  size_t skipped_special_files() const { return skipped_; }

 private:
  explicit LayerUnpacker(UniqueFd root) : root_(std::move(root)) {}

  // The directory holding `components` (all but the last are walked), created when missing
  // and `create`; errors say which entry and why.
  Result<UniqueFd> OpenParent(const std::vector<std::string>& components, bool create,
                              const std::string& entry) const;
  Status ApplyEntry(struct archive* layer, struct archive_entry* entry);
  Status Whiteout(const std::vector<std::string>& components, const std::string& entry);

  UniqueFd root_;
  std::string label_;
  std::set<std::string> written_;  // paths this layer wrote (an opaque directory keeps them)
  size_t skipped_ = 0;
};

// The components of a layer entry's name, "./usr/bin/" -> {"usr", "bin"}; an error for a
// name with a `..` component.
Result<std::vector<std::string>> EntryComponents(std::string_view name);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_LAYER_UNPACKER_H_

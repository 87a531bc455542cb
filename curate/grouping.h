// Near-duplicate groups and the decision for each member: kept, duplicate or conflict.
// Pure logic over facts read from the manifest, so that it can be tested without one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace smallset {

// An image that takes part in grouping: decoded successfully and not defective.
struct GroupMember {
  int64_t id = 0;                   // images.id, also the "earliest seen" order
  uint64_t phash = 0;
  int64_t pixels = 0;               // width * height after orientation
  std::vector<std::string> labels;  // effective labels; more than one when the same bytes came under several
  bool rejected = false;            // a person rejected it: never kept, and its near-duplicates stay out too
  bool accepted = false;            // a person accepted it: always kept
  bool kept = false;                // kept by an earlier run
  bool has_split = false;           // kept by an earlier run and assigned to a split
};

enum class MemberStatus { kKept, kDuplicate, kConflict, kRejected };

struct MemberDecision {
  int64_t id = 0;
  MemberStatus status = MemberStatus::kKept;
  std::string reason;                  // empty for kept
  std::optional<int64_t> duplicate_of;  // the kept (or rejected) image a duplicate copies
};

// A group of two or more images, or one image whose bytes came under several labels.
struct DuplicateGroup {
  std::vector<int64_t> ids;            // ascending
  std::optional<int64_t> keeper;       // the image kept for a plain duplicate group
  std::vector<std::string> labels;     // sorted; more than one for a conflict
  bool conflict = false;
};

// Groups the members whose pHashes are within `max_distance` of each other (transitively)
// and decides each member. A group with a rejected member keeps none of the others. A group
// whose members carry different labels is a conflict: every member is excluded. Otherwise
// one image is kept: an accepted one, else one that already has a split, else one kept
// before, else the one with the most pixels, then the earliest id. Accepted images are
// always kept. Decisions come in ascending id order.
void DecideGroups(const std::vector<GroupMember>& members, int max_distance, int threads,
                  std::vector<MemberDecision>* decisions, std::vector<DuplicateGroup>* groups);

// "same picture under labels alpha and beta" (labels sorted, three or more joined by commas).
std::string ConflictReason(const std::vector<std::string>& labels);

}  // namespace smallset

#include "curate/grouping.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "common/log.h"
#include "curate/near_pairs.h"
#include "curate/phash.h"

namespace smallset {
namespace {

class DisjointSets {
 public:
  explicit DisjointSets(size_t count) : parent_(count) { std::iota(parent_.begin(), parent_.end(), 0); }

  size_t Find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }

  // The smaller index becomes the root, so a root is its set's earliest member.
  void Union(size_t a, size_t b) {
    a = Find(a);
    b = Find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<size_t> parent_;
};

// True when `a` is the better image to keep than `b`.
bool BetterKeeper(const GroupMember& a, const GroupMember& b) {
  if (a.accepted != b.accepted) return a.accepted;
  if (a.has_split != b.has_split) return a.has_split;
  if (a.kept != b.kept) return a.kept;
  if (a.pixels != b.pixels) return a.pixels > b.pixels;
  return a.id < b.id;
}

// Decides the members of one group (indices into `members`, ascending by id).
void DecideGroup(const std::vector<GroupMember>& members, const std::vector<size_t>& group,
                 std::vector<MemberDecision>* decisions, std::vector<DuplicateGroup>* groups) {
  std::set<std::string> label_set;
  const GroupMember* rejected = nullptr;
  const GroupMember* keeper = nullptr;
  for (size_t index : group) {
    const GroupMember& member = members[index];
    if (member.rejected) {
      if (rejected == nullptr) rejected = &member;
      continue;
    }
    label_set.insert(member.labels.begin(), member.labels.end());
    if (keeper == nullptr || BetterKeeper(member, *keeper)) keeper = &member;
  }
  const bool conflict = rejected == nullptr && label_set.size() > 1;

  for (size_t index : group) {
    const GroupMember& member = members[index];
    MemberDecision decision;
    decision.id = member.id;
    if (member.rejected) {
      decision.status = MemberStatus::kRejected;
      decision.reason = "rejected by a person";
    } else if (member.accepted || (rejected == nullptr && !conflict && &member == keeper)) {
      decision.status = MemberStatus::kKept;
    } else if (rejected != nullptr) {
      decision.status = MemberStatus::kDuplicate;
      decision.duplicate_of = rejected->id;
      decision.reason = StringPrintf("near-duplicate of rejected image %lld (pHash distance %d)",
                                     (long long)rejected->id, HammingDistance(member.phash, rejected->phash));
    } else if (conflict) {
      decision.status = MemberStatus::kConflict;
      decision.reason = ConflictReason(std::vector<std::string>(label_set.begin(), label_set.end()));
    } else {
      decision.status = MemberStatus::kDuplicate;
      decision.duplicate_of = keeper->id;
      decision.reason = StringPrintf("near-duplicate of image %lld (pHash distance %d)", (long long)keeper->id,
                                     HammingDistance(member.phash, keeper->phash));
    }
    decisions->push_back(std::move(decision));
  }

  if (group.size() > 1 || conflict) {
    DuplicateGroup summary;
    for (size_t index : group) summary.ids.push_back(members[index].id);
    summary.labels.assign(label_set.begin(), label_set.end());
    summary.conflict = conflict;
    if (!conflict && keeper != nullptr && rejected == nullptr) summary.keeper = keeper->id;
    groups->push_back(std::move(summary));
  }
}

}  // namespace

std::string ConflictReason(const std::vector<std::string>& labels) {
  std::string text = "same picture under labels ";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text += (i + 1 == labels.size()) ? " and " : ", ";
    text += labels[i];
  }
  return text;
}

void DecideGroups(const std::vector<GroupMember>& members, int max_distance, int threads,
                  std::vector<MemberDecision>* decisions, std::vector<DuplicateGroup>* groups) {
  decisions->clear();
  groups->clear();

  // Work in ascending id order so that set roots and decisions come out sorted.
  std::vector<GroupMember> sorted = members;
  std::sort(sorted.begin(), sorted.end(), [](const GroupMember& a, const GroupMember& b) { return a.id < b.id; });

  std::vector<uint64_t> hashes;
  hashes.reserve(sorted.size());
  for (const GroupMember& member : sorted) hashes.push_back(member.phash);
  DisjointSets sets(sorted.size());
  for (const NearPair& pair : FindNearPairs(hashes, max_distance, threads)) sets.Union(pair.first, pair.second);

  std::map<size_t, std::vector<size_t>> by_root;
  for (size_t i = 0; i < sorted.size(); ++i) by_root[sets.Find(i)].push_back(i);
  for (const auto& [root, group] : by_root) DecideGroup(sorted, group, decisions, groups);

  std::sort(decisions->begin(), decisions->end(),
            [](const MemberDecision& a, const MemberDecision& b) { return a.id < b.id; });
}

}  // namespace smallset

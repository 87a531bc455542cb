// Decisions for near-duplicate groups: which image is kept, conflicts, people's decisions.
#include "curate/grouping.h"

#include <doctest/doctest.h>

#include <map>

namespace smallset {
namespace {

GroupMember Member(int64_t id, uint64_t phash, int64_t pixels, const std::string& label) {
  GroupMember member;
  member.id = id;
  member.phash = phash;
  member.pixels = pixels;
  member.labels = {label};
  return member;
}

std::map<int64_t, MemberDecision> Decide(const std::vector<GroupMember>& members, std::vector<DuplicateGroup>* groups) {
  std::vector<MemberDecision> decisions;
  DecideGroups(members, 8, 1, &decisions, groups);
  std::map<int64_t, MemberDecision> by_id;
  for (const MemberDecision& decision : decisions) by_id[decision.id] = decision;
  return by_id;
}

constexpr uint64_t kPicture = 0x0123456789abcdefULL;
constexpr uint64_t kOther = ~kPicture;

}  // namespace

TEST_CASE("grouping keeps the largest, then the earliest") {
  std::vector<DuplicateGroup> groups;
  auto decisions = Decide({Member(1, kPicture, 100, "a"), Member(2, kPicture ^ 0x3, 400, "a"),
                           Member(3, kPicture ^ 0x1, 400, "a"), Member(4, kOther, 50, "a")},
                          &groups);
  CHECK(decisions[2].status == MemberStatus::kKept);
  CHECK(decisions[1].status == MemberStatus::kDuplicate);
  CHECK(decisions[1].duplicate_of == 2);
  CHECK(decisions[3].status == MemberStatus::kDuplicate);
  CHECK(decisions[3].reason == "near-duplicate of image 2 (pHash distance 1)");
  CHECK(decisions[4].status == MemberStatus::kKept);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].keeper == 2);
  CHECK(groups[0].ids == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE("grouping prefers an image that has a split") {
  GroupMember old_small = Member(1, kPicture, 100, "a");
  old_small.kept = true;
  old_small.has_split = true;
  std::vector<DuplicateGroup> groups;
  auto decisions = Decide({old_small, Member(2, kPicture, 10000, "a")}, &groups);
  CHECK(decisions[1].status == MemberStatus::kKept);
  CHECK(decisions[2].status == MemberStatus::kDuplicate);
}

TEST_CASE("grouping excludes every member of a conflict") {
  std::vector<DuplicateGroup> groups;
  auto decisions = Decide({Member(1, kPicture, 100, "alpha"), Member(2, kPicture ^ 0x2, 100, "beta"),
                           Member(3, kOther, 100, "alpha")},
                          &groups);
  CHECK(decisions[1].status == MemberStatus::kConflict);
  CHECK(decisions[2].status == MemberStatus::kConflict);
  CHECK(decisions[1].reason == "same picture under labels alpha and beta");
  CHECK(decisions[3].status == MemberStatus::kKept);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].conflict);
  CHECK_FALSE(groups[0].keeper.has_value());
}

TEST_CASE("grouping flags one file under two labels") {
  GroupMember both = Member(1, kPicture, 100, "alpha");
  both.labels = {"alpha", "beta", "gamma"};
  std::vector<DuplicateGroup> groups;
  auto decisions = Decide({both}, &groups);
  CHECK(decisions[1].status == MemberStatus::kConflict);
  CHECK(decisions[1].reason == "same picture under labels alpha, beta and gamma");
}

TEST_CASE("grouping respects people's decisions") {
  GroupMember rejected = Member(1, kPicture, 100, "a");
  rejected.rejected = true;
  GroupMember accepted = Member(5, kOther, 10, "a");
  accepted.accepted = true;
  std::vector<DuplicateGroup> groups;
  auto decisions = Decide({rejected, Member(2, kPicture ^ 0x10, 900, "a"), accepted, Member(6, kOther, 900, "b")},
                          &groups);
  CHECK(decisions[1].status == MemberStatus::kRejected);
  CHECK(decisions[2].status == MemberStatus::kDuplicate);  // a rejected picture never comes back
  CHECK(decisions[2].duplicate_of == 1);
  CHECK(decisions[5].status == MemberStatus::kKept);       // accepted despite the conflict
  CHECK(decisions[6].status == MemberStatus::kConflict);
}

}  // namespace smallset

// A person's decisions (--reject, --accept, --relabel), recorded on the image so that
// every later curate run, and every refresh, respects them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/manifest.h"
#include "common/status.h"

namespace smallset {

struct HumanDecisions {
  std::vector<std::string> reject;                          // sha256 or unique prefixes
  std::vector<std::string> accept;
  std::vector<std::pair<std::string, std::string>> relabel;  // (sha256 or prefix, new label)
  bool empty() const { return reject.empty() && accept.empty() && relabel.empty(); }
};

// Records the decisions in one transaction, or none when any sha256 is unknown or
// ambiguous. Reject: status 'rejected', out of every split. Accept: kept even as a
// near-duplicate or a conflict (a defective file stays defective). Relabel: the image moves
// to the new label (images.label and decision_label) and leaves its split, so that the new
// label's split decides it.
Status RecordDecisions(Manifest* manifest, const HumanDecisions& decisions, std::vector<std::string>* warnings);

}  // namespace smallset

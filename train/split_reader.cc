#include "train/split_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/log.h"
#include "common/manifest.h"

namespace smallset {
namespace {

// Rows come in sha256 order, so that the sample order (and with it every shuffle and result)
// depends only on the images, not on the order in which crawl happened to store them.
constexpr const char* kSplitQuery =
    "SELECT id, sha256, path, CASE WHEN decision = 'relabel' AND decision_label IS NOT NULL "
    "THEN decision_label ELSE label END, split FROM images "
    "WHERE status = 'kept' AND split IN ('train', 'valid') ORDER BY sha256";

constexpr const char* kRunImagesQuery =
    "SELECT i.id, i.sha256, i.path, r.label, r.split FROM run_images r JOIN images i ON i.id = r.image_id "
    "WHERE r.run_id = ? AND r.split IN ('train', 'valid') ORDER BY i.sha256";

// Fills train/valid from rows of (id, sha256, path, label, split) and assigns class indices
// from `classes`, or from the sorted labels when `classes` is empty.
Status CollectImages(Statement& statement, std::vector<std::string> classes, SplitImages* out) {
  std::vector<LabeledImage> rows;
  while (statement.Next()) {
    LabeledImage image;
    image.image_id = statement.Int(0);
    image.sha256 = statement.Text(1);
    image.path = statement.Text(2);
    image.label = statement.Text(3);
    image.split = statement.Text(4);
    rows.push_back(std::move(image));
  }
  SMALLSET_RETURN_IF_ERROR(statement.status());

  if (classes.empty()) {
    std::set<std::string> labels;
    for (const LabeledImage& image : rows) labels.insert(image.label);
    classes.assign(labels.begin(), labels.end());
  }
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < classes.size(); ++i) index_of[classes[i]] = static_cast<int>(i);

  *out = SplitImages();
  out->classes = classes;
  for (LabeledImage& image : rows) {
    auto found = index_of.find(image.label);
    if (found == index_of.end()) {
      return Status::Corruption("image " + image.sha256 + " has label \"" + image.label +
                                "\", which is not one of the run's classes");
    }
    image.class_index = found->second;
    (image.split == "train" ? out->train : out->valid).push_back(std::move(image));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateSplit(const SplitImages& split, const std::string& store_root) {
  if (split.train.empty() && split.valid.empty()) {
    return Status::Failed(
        "the manifest has no train/validation split yet: run curate --split first (for example "
        "curate --split 135:20)");
  }
  if (split.classes.size() < 2) {
    return Status::Failed("only one label (\"" + split.classes.front() +
                                   "\") has split images; a classifier needs at least two. Add "
                                   "images of another label (crawl or curate --import), then curate --split");
  }

  std::vector<int> train_counts(split.classes.size(), 0), valid_counts(split.classes.size(), 0);
  for (const LabeledImage& image : split.train) train_counts[image.class_index] += 1;
  for (const LabeledImage& image : split.valid) valid_counts[image.class_index] += 1;
  for (size_t c = 0; c < split.classes.size(); ++c) {
    if (train_counts[c] == 0 || valid_counts[c] == 0) {
      return Status::Failed(StringPrintf(
          "label \"%s\" has %d train and %d validation images; every label needs both. "
          "Rerun curate --split (with --allow-short if it has few images) or reject its images",
          split.classes[c].c_str(), train_counts[c], valid_counts[c]));
    }
  }

  for (const auto* images : {&split.train, &split.valid}) {
    for (const LabeledImage& image : *images) {
      struct stat info;
      const std::string path = store_root + "/" + image.path;
      if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return Status::NotFound("image " + image.sha256 + " (label \"" + image.label +
                                "\") is missing from the content store: " + path +
                                " does not exist. Restore the file, or run curate so that it is re-checked");
      }
    }
  }
  return Status::Ok();
}

Status ReadSplit(Manifest& manifest, const std::string& store_root, SplitImages* out) {
  Statement statement = manifest.Prepare(kSplitQuery);
  SMALLSET_RETURN_IF_ERROR(CollectImages(statement, {}, out));
  return ValidateSplit(*out, store_root);
}

Status ReadRunImages(Manifest& manifest, int64_t run_id, const std::vector<std::string>& classes,
                     SplitImages* out) {
  Statement statement = manifest.Prepare(kRunImagesQuery);
  statement.Bind(1, run_id);
  SMALLSET_RETURN_IF_ERROR(CollectImages(statement, classes, out));
  if (out->train.empty()) {
    return Status::NotFound(StringPrintf("run %lld has no recorded images in the manifest",
                                         static_cast<long long>(run_id)));
  }
  return Status::Ok();
}

}  // namespace smallset

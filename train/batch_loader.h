// Turns in-memory images into normalised input batches. Training batches are augmented by
// worker threads, one batch ahead of the training step that consumes them.
#pragma once

#include <array>
#include <cstdint>
#include <future>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "train/augment.h"

namespace smallset {

struct Batch {
  torch::Tensor inputs;   // [N, 3, size, size] float32
  torch::Tensor targets;  // [N] int64 class indices
  std::vector<int64_t> indices;  // positions in the loader's image list
};

// The view of an image that a batch contains. The TTA views are the evaluation crop flipped, a
// tighter central crop, and that crop flipped.
enum class View { kAugmented, kEval, kEvalFlipped, kZoomed, kZoomedFlipped };

struct InputFormat {
  int size = 224;
  float crop_pct = 0.875f;
  std::array<float, 3> mean{};
  std::array<float, 3> std{};
};

class BatchLoader {
 public:
  // `images` and `labels` must outlive the loader. `workers` threads build each batch.
  BatchLoader(const std::vector<cv::Mat>* images, std::vector<int> labels, InputFormat format,
              AugmentOptions augment, int workers);

  // Builds one batch of the images at `indices` in the given view. Augmented views draw
  // from SampleSeed(seed, epoch, position in the epoch), so they do not depend on threads.
  Batch MakeBatch(const std::vector<int64_t>& indices, View view, uint64_t seed, int64_t epoch,
                  int64_t first_position) const;

  // Shuffled order of all images for `epoch`, a function of (seed, epoch) only.
  std::vector<int64_t> EpochOrder(uint64_t seed, int64_t epoch) const;

  // The single view of one image, as MakeBatch builds it.
  cv::Mat MakeView(int64_t index, View view, uint64_t sample_seed) const;

  size_t size() const { return labels_.size(); }
  const std::vector<int>& labels() const { return labels_; }
  const InputFormat& format() const { return format_; }

 private:
  const std::vector<cv::Mat>* images_;
  std::vector<int> labels_;
  InputFormat format_;
  AugmentOptions augment_;
  int workers_;
};

// Iterates over one epoch in batches of `batch_size`, building the next batch on another
// thread while the caller trains on the current one.
class EpochIterator {
 public:
  EpochIterator(const BatchLoader& loader, std::vector<int64_t> order, int batch_size, View view, uint64_t seed,
                int64_t epoch);
  ~EpochIterator();

  // Returns false after the last batch.
  bool Next(Batch* batch);

  int64_t num_batches() const;

 private:
  std::future<Batch> Start(int64_t batch_index);

  const BatchLoader& loader_;
  std::vector<int64_t> order_;
  int batch_size_;
  View view_;
  uint64_t seed_;
  int64_t epoch_;
  int64_t next_batch_ = 0;
  std::future<Batch> pending_;
};

}  // namespace smallset

#include "train/batch_loader.h"

#include <algorithm>
#include <random>
#include <thread>

namespace smallset {

BatchLoader::BatchLoader(const std::vector<cv::Mat>* images, std::vector<int> labels, InputFormat format,
                         AugmentOptions augment, int workers)
    : images_(images),
      labels_(std::move(labels)),
      format_(format),
      augment_(augment),
      workers_(std::max(1, workers)) {}

cv::Mat BatchLoader::MakeView(int64_t index, View view, uint64_t sample_seed) const {
  const cv::Mat& image = (*images_)[index];
  cv::Mat out;
  switch (view) {
    case View::kAugmented: {
      std::mt19937_64 rng(sample_seed);
      return AugmentImage(image, format_.size, augment_, rng);
    }
    case View::kEval:
      return CenterCropResize(image, format_.size, format_.crop_pct);
    case View::kEvalFlipped:
      cv::flip(CenterCropResize(image, format_.size, format_.crop_pct), out, 1);
      return out;
    case View::kZoomed:
      return CenterCropResize(image, format_.size, format_.crop_pct * 0.85f);
    case View::kZoomedFlipped:
      cv::flip(CenterCropResize(image, format_.size, format_.crop_pct * 0.85f), out, 1);
      return out;
  }
  return out;
}

Batch BatchLoader::MakeBatch(const std::vector<int64_t>& indices, View view, uint64_t seed, int64_t epoch,
                             int64_t first_position) const {
  const int64_t n = static_cast<int64_t>(indices.size());
  const int size = format_.size;
  Batch batch;
  batch.indices = indices;
  batch.inputs = torch::empty({n, 3, size, size}, torch::kFloat32);
  batch.targets = torch::empty({n}, torch::kInt64);
  float* inputs = batch.inputs.data_ptr<float>();
  int64_t* targets = batch.targets.data_ptr<int64_t>();
  const int64_t stride = 3LL * size * size;

  auto fill = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const uint64_t sample_seed = SampleSeed(seed, epoch, first_position + i);
      cv::Mat view_image = MakeView(indices[i], view, sample_seed);
      WriteNormalizedChw(view_image, format_.mean, format_.std, inputs + i * stride);
      targets[i] = labels_[indices[i]];
    }
  };

  const int64_t threads = std::min<int64_t>(workers_, n);
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t) pool.emplace_back(fill, n * t / threads, n * (t + 1) / threads);
  fill(0, threads > 0 ? n / threads : n);
  for (std::thread& thread : pool) thread.join();
  return batch;
}

std::vector<int64_t> BatchLoader::EpochOrder(uint64_t seed, int64_t epoch) const {
  std::vector<int64_t> order(labels_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  // Fisher-Yates with the generator's raw output, so the order is the same with every
  // standard library (std::shuffle's algorithm is unspecified).
  std::mt19937_64 rng(SampleSeed(seed, epoch, -1));
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[rng() % i]);
  }
  return order;
}

EpochIterator::EpochIterator(const BatchLoader& loader, std::vector<int64_t> order, int batch_size, View view,
                             uint64_t seed, int64_t epoch)
    : loader_(loader), order_(std::move(order)), batch_size_(std::max(1, batch_size)), view_(view),
      seed_(seed), epoch_(epoch) {
  if (num_batches() > 0) pending_ = Start(0);
}

EpochIterator::~EpochIterator() {
  if (pending_.valid()) pending_.wait();
}

int64_t EpochIterator::num_batches() const {
  return (static_cast<int64_t>(order_.size()) + batch_size_ - 1) / batch_size_;
}

std::future<Batch> EpochIterator::Start(int64_t batch_index) {
  const int64_t begin = batch_index * batch_size_;
  const int64_t end = std::min<int64_t>(begin + batch_size_, order_.size());
  std::vector<int64_t> indices(order_.begin() + begin, order_.begin() + end);
  return std::async(std::launch::async, [this, indices = std::move(indices), begin] {
    return loader_.MakeBatch(indices, view_, seed_, epoch_, begin);
  });
}

bool EpochIterator::Next(Batch* batch) {
  if (next_batch_ >= num_batches()) return false;
  *batch = pending_.get();
  next_batch_ += 1;
  if (next_batch_ < num_batches()) pending_ = Start(next_batch_);
  return true;
}

}  // namespace smallset

#include "train/image_cache.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "common/content_store.h"
#include "common/image/decode.h"
#include "common/progress.h"
#include "train/augment.h"

namespace smallset {

int PresizeShortSide(int input_size, float crop_pct) {
  return static_cast<int>(std::ceil(input_size / std::max(crop_pct, 0.1f)));
}

Status DecodeForModel(std::string_view bytes, int short_side, cv::Mat* rgb) {
  DecodeOptions options;
  // The model accepts whatever curate kept, so only curate's hard limits apply here.
  options.min_side = 1;
  options.target_short_side = short_side;
  DecodedImage decoded;
  SMALLSET_RETURN_IF_ERROR(DecodeImage(bytes, options, &decoded));
  *rgb = ResizeShortSide(decoded.rgb, short_side);
  return Status::Ok();
}

Status DecodeImages(const std::string& store_root, const std::vector<LabeledImage>& images, int short_side,
                    int threads, std::vector<cv::Mat>* out) {
  out->assign(images.size(), cv::Mat());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex error_mutex;
  Status first_error;

  auto worker = [&] {
    for (size_t i = next++; i < images.size(); i = next++) {
      std::string bytes;
      const std::string path = store_root + "/" + images[i].path;
      Status status = ReadFile(path, &bytes);
      if (status.ok()) status = DecodeForModel(bytes, short_side, &(*out)[i]);
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (first_error.ok()) first_error = status.WithContext("decoding " + path);
        next = images.size();  // stop the other workers early
        return;
      }
      done++;
    }
  };

  Progress progress("decode", static_cast<int64_t>(images.size()));
  std::vector<std::thread> pool;
  const int count = std::max(1, std::min<int>(threads, static_cast<int>(images.size())));
  for (int t = 0; t < count; ++t) pool.emplace_back(worker);
  // The main thread only draws progress until every image is decoded or one has failed.
  while (done < static_cast<int64_t>(images.size())) {
    {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error.ok()) break;
    }
    progress.Update(done);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (std::thread& thread : pool) thread.join();
  progress.Update(done);
  progress.Finish();
  return first_error;
}

}  // namespace smallset

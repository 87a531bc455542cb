#include "train/run_record.h"

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/manifest.h"

namespace smallset {

Status InsertRun(Manifest& manifest, const std::string& name, const std::string& out_dir, const std::string& arch,
                 const std::string& options_json, const SplitImages& split, int64_t* run_id) {
  return manifest.WriteTransaction([&] {
    Statement run = manifest.Prepare(
        "INSERT INTO runs (name, out_dir, arch, status, options_json, started_at) VALUES (?, ?, ?, 'running', ?, ?)");
    run.Bind(1, name).Bind(2, out_dir).Bind(3, arch).Bind(4, options_json).Bind(5, NowUtcIso8601());
    SMALLSET_RETURN_IF_ERROR(run.Run());
    *run_id = manifest.LastInsertRowId();

    Statement image = manifest.Prepare("INSERT INTO run_images (run_id, image_id, label, split) VALUES (?, ?, ?, ?)");
    for (const auto* images : {&split.train, &split.valid}) {
      for (const LabeledImage& item : *images) {
        image.Reset();
        image.Bind(1, *run_id).Bind(2, item.image_id).Bind(3, item.label).Bind(4, item.split);
        SMALLSET_RETURN_IF_ERROR(image.Run());
      }
    }
    return Status::Ok();
  });
}

Status FinishRun(Manifest& manifest, int64_t run_id, const std::string& metrics_json, double accuracy,
                 const std::string& model_path) {
  return manifest.WriteTransaction([&] {
    Statement update = manifest.Prepare(
        "UPDATE runs SET status = 'finished', metrics_json = ?, accuracy = ?, model_path = ?, finished_at = ? "
        "WHERE id = ?");
    update.Bind(1, metrics_json).Bind(2, accuracy).Bind(3, model_path).Bind(4, NowUtcIso8601()).Bind(5, run_id);
    return update.Run();
  });
}

Status FailRun(Manifest& manifest, int64_t run_id, const std::string& reason) {
  return manifest.WriteTransaction([&] {
    Statement update =
        manifest.Prepare("UPDATE runs SET status = 'failed', metrics_json = ?, finished_at = ? WHERE id = ?");
    update.Bind(1, nlohmann::json{{"error", reason}}.dump()).Bind(2, NowUtcIso8601()).Bind(3, run_id);
    return update.Run();
  });
}

Status RestartRun(Manifest& manifest, int64_t run_id) {
  return manifest.WriteTransaction([&] {
    Statement update = manifest.Prepare("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?");
    update.Bind(1, run_id);
    return update.Run();
  });
}

}  // namespace smallset

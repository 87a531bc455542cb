#include "curate/run.h"

#include <filesystem>
#include <memory>

#include "common/content_store.h"
#include "common/image/decode.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/run_lock.h"
#include "curate/decide.h"
#include "curate/export.h"
#include "curate/import.h"
#include "curate/near_pairs.h"
#include "curate/report.h"
#include "curate/validate.h"

namespace smallset {
namespace {

// Fills the split, seed and distance from the options or the stored settings, and lists
// the settings this run stores.
Status ResolveSettings(Manifest* manifest, const CurateOptions& options, DecideOptions* decide, CurateSummary* summary) {
  std::optional<std::string> split_text = options.split;
  if (!split_text) {
    split_text = manifest->GetSetting(kSplitSetting);
    summary->split_from_settings = split_text.has_value();
  }
  if (split_text) {
    SplitSpec spec;
    SMALLSET_RETURN_IF_ERROR(ParseSplitSpec(*split_text, &spec));
    decide->split = spec;
    summary->split = *split_text;
  } else if (options.resplit) {
    return Status::InvalidArgument("--resplit needs a split: pass --split TRAIN:VALID[:TEST]");
  }

  decide->seed = options.seed.value_or(manifest->GetSetting(kSeedSetting).value_or("0"));
  summary->seed = decide->seed;

  if (options.phash_distance) {
    decide->phash_distance = *options.phash_distance;
  } else if (std::optional<std::string> stored = manifest->GetSetting(kPhashDistanceSetting)) {
    decide->phash_distance = std::atoi(stored->c_str());
  } else {
    decide->phash_distance = kDefaultPhashDistance;
  }
  summary->phash_distance = decide->phash_distance;

  if (options.split) {
    decide->settings.emplace_back(kSplitSetting, *options.split);
    decide->settings.emplace_back(kSeedSetting, decide->seed);
  } else if (options.seed) {
    decide->settings.emplace_back(kSeedSetting, decide->seed);
  }
  if (options.phash_distance) decide->settings.emplace_back(kPhashDistanceSetting, std::to_string(decide->phash_distance));
  return Status::Ok();
}

}  // namespace

Status RunCurate(const CurateOptions& options, CurateSummary* summary) {
  // Only --import may create a manifest. Without it, a missing file is a mistyped path, and
  // creating an empty manifest there would hide that.
  std::error_code error;
  if (!options.import_dir && !std::filesystem::exists(options.manifest_path, error)) {
    return Status::NotFound("manifest " + options.manifest_path +
                            " not found: run crawl or curate --import first, or pass --manifest");
  }
  std::unique_ptr<Manifest> manifest;
  SMALLSET_RETURN_IF_ERROR(Manifest::Open(options.manifest_path, &manifest));
  std::unique_ptr<RunLock> lock;
  SMALLSET_RETURN_IF_ERROR(RunLock::TryAcquire(options.manifest_path + ".curate.lock", &lock)
                               .WithContext("another curate is running on " + options.manifest_path));
  std::unique_ptr<ContentStore> store;
  SMALLSET_RETURN_IF_ERROR(ContentStore::Open(manifest->StoreDirectory(), &store));

  DecideOptions decide;
  decide.allow_short = options.allow_short;
  decide.resplit = options.resplit;
  decide.threads = options.threads;
  SMALLSET_RETURN_IF_ERROR(ResolveSettings(manifest.get(), options, &decide, summary));

  if (options.import_dir) {
    summary->imported = true;
    SMALLSET_RETURN_IF_ERROR(ImportTree(manifest.get(), store.get(), *options.import_dir, &summary->import));
  }
  SMALLSET_RETURN_IF_ERROR(RecordDecisions(manifest.get(), options.decisions, &summary->warnings));

  DecodeOptions decode;
  decode.min_side = options.min_side;
  decode.max_pixels = options.max_pixels;
  SMALLSET_RETURN_IF_ERROR(
      ValidateNewImages(manifest.get(), *store, decode, options.threads, options.show_progress, &summary->validate));

  SMALLSET_LOG_INFO("grouping near-duplicates (pHash distance <= %d)%s", decide.phash_distance,
                    summary->split ? (" and splitting " + *summary->split).c_str() : "");
  SMALLSET_RETURN_IF_ERROR(DecideAndSplit(manifest.get(), decide, &summary->decide));
  for (const std::string& warning : summary->decide.warnings) {
    SMALLSET_LOG_WARN("%s", warning.c_str());
    summary->warnings.push_back(warning);
  }
  SMALLSET_RETURN_IF_ERROR(CountManifest(manifest.get(), summary));

  if (options.export_dir) {
    ExportStats stats;
    SMALLSET_RETURN_IF_ERROR(ExportDataset(manifest.get(), *store, *options.export_dir, &stats));
  }
  if (options.report_path) SMALLSET_RETURN_IF_ERROR(WriteReport(manifest.get(), *store, *summary, *options.report_path));
  return Status::Ok();
}

}  // namespace smallset

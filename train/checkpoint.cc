#include "train/checkpoint.h"

#include <cstdio>

namespace smallset {

Status SaveCheckpoint(const std::string& path, Classifier& model, torch::optim::Optimizer& optimizer,
                      const CheckpointState& state) {
  const std::string temporary = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive model_archive;
    model->save(model_archive);
    archive.write("model", model_archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("epochs_done", c10::IValue(state.epochs_done));
    archive.write("history", c10::IValue(state.history_json));
    archive.write("phase", c10::IValue(state.phase));
    archive.save_to(temporary);
  } catch (const c10::Error& error) {
    std::remove(temporary.c_str());
    return Status::IoError("cannot write checkpoint " + temporary + ": " + error.what_without_backtrace());
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::IoError("cannot rename " + temporary + " to " + path);
  }
  return Status::Ok();
}

Status LoadCheckpoint(const std::string& path, Classifier& model, CheckpointState* state,
                      torch::serialize::InputArchive* optimizer_archive) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model->load(model_archive);
    archive.read("optimizer", *optimizer_archive);
    c10::IValue value;
    archive.read("epochs_done", value);
    state->epochs_done = value.toInt();
    archive.read("history", value);
    state->history_json = value.toStringRef();
    archive.read("phase", value);
    state->phase = value.toStringRef();
  } catch (const c10::Error& error) {
    return Status::Corruption("cannot read checkpoint " + path + ": " + error.what_without_backtrace() +
                              ". Start a new run instead of --resume");
  }
  return Status::Ok();
}

}  // namespace smallset

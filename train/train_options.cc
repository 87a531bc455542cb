#include "train/train_options.h"

namespace smallset {

nlohmann::json TrainOptionsToJson(const TrainOptions& o) {
  return nlohmann::json{{"arch", o.arch},
                        {"weights", o.weights},
                        {"weights_base_url", o.weights_base_url},
                        {"size", o.size},
                        {"batch", o.batch},
                        {"epochs_frozen", o.epochs_frozen},
                        {"epochs", o.epochs},
                        {"lr", o.lr},
                        {"lrs", o.lrs},
                        {"weight_decay", o.weight_decay},
                        {"augment", o.augment},
                        {"freeze_bn", o.freeze_bn},
                        {"tta", o.tta},
                        {"lr_find", o.lr_find},
                        {"seed", o.seed},
                        {"threads", o.threads},
                        {"device", o.device}};
}

TrainOptions TrainOptionsFromJson(const nlohmann::json& j) {
  TrainOptions o;
  o.arch = j.value("arch", o.arch);
  o.weights = j.value("weights", o.weights);
  o.weights_base_url = j.value("weights_base_url", o.weights_base_url);
  o.size = j.value("size", o.size);
  o.batch = j.value("batch", o.batch);
  o.epochs_frozen = j.value("epochs_frozen", o.epochs_frozen);
  o.epochs = j.value("epochs", o.epochs);
  o.lr = j.value("lr", o.lr);
  o.lrs = j.value("lrs", o.lrs);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.augment = j.value("augment", o.augment);
  o.freeze_bn = j.value("freeze_bn", o.freeze_bn);
  o.tta = j.value("tta", o.tta);
  o.lr_find = j.value("lr_find", o.lr_find);
  o.seed = j.value("seed", o.seed);
  o.threads = j.value("threads", o.threads);
  o.device = j.value("device", o.device);
  return o;
}

}  // namespace smallset

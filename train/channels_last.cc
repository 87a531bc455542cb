#include "train/channels_last.h"

namespace smallset {

void UseChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) {
    if (parameter.dim() == 4) parameter.set_data(ChannelsLast(parameter));
  }
  for (auto& buffer : module.buffers()) {
    if (buffer.dim() == 4) buffer.set_data(ChannelsLast(buffer));
  }
}

}  // namespace smallset

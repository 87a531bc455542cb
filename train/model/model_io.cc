// Loading and saving Classifier weights as safetensors, by torchvision's tensor names.
#include <cstring>

#include "train/model/classifier.h"
#include "train/model/safetensors.h"

namespace smallset {

namespace {

// Names in each list of an error message; the rest are counted.
constexpr size_t kMaxListedNames = 20;

bool IsBatchCounter(const std::string& name) {
  const std::string suffix = "num_batches_tracked";
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string ListText(const std::string& title, const std::vector<std::string>& items) {
  std::string text = std::to_string(items.size()) + " " + title + ": ";
  for (size_t i = 0; i < items.size() && i < kMaxListedNames; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > kMaxListedNames) text += " and " + std::to_string(items.size() - kMaxListedNames) + " more";
  return text;
}

Status TorchDtype(const SafetensorsTensor& tensor, torch::Dtype* out) {
  static const std::map<std::string, torch::Dtype> kDtypes = {
      {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16}, {"F64", torch::kFloat64},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},     {"I8", torch::kInt8},
      {"U8", torch::kUInt8},    {"BOOL", torch::kBool}};
  auto it = kDtypes.find(tensor.dtype);
  if (it == kDtypes.end()) {
    return Status::Unsupported("tensor \"" + tensor.name + "\" has dtype " + tensor.dtype + ", which LibTorch cannot load");
  }
  *out = it->second;
  return Status::Ok();
}

// Copies a file tensor into a model tensor of the same shape, converting the dtype.
Status CopyInto(const SafetensorsTensor& source, torch::Tensor& target) {
  torch::Dtype dtype;
  SMALLSET_RETURN_IF_ERROR(TorchDtype(source, &dtype));
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");
  torch::Tensor view = torch::from_blob(const_cast<char*>(source.data), source.shape, torch::TensorOptions().dtype(dtype));
  torch::NoGradGuard no_grad;
  target.copy_(view);
  return Status::Ok();
}

// A model tensor and the file tensor that fills it.
struct TensorMatch {
  torch::Tensor target;
  const SafetensorsTensor* source;
};

// Matches the file's tensors to the model's parameters and buffers by name. Head tensors are
// skipped on both sides unless `include_head`. Fails listing every missing, unexpected and
// wrongly shaped name; a missing num_batches_tracked buffer is not an error.
Status MatchTensors(ClassifierImpl& model, const SafetensorsFile& file, bool include_head,
                    std::vector<TensorMatch>* matches) {
  std::map<std::string, torch::Tensor> expected;
  for (const auto& item : model.named_parameters()) expected[item.key()] = item.value();
  for (const auto& item : model.named_buffers()) expected[item.key()] = item.value();

  std::vector<std::string> missing, unexpected, wrong_shapes;
  for (const auto& [name, target] : expected) {
    if (!include_head && model.IsHeadTensor(name)) continue;
    const SafetensorsTensor* source = file.Find(name);
    if (source == nullptr) {
      if (!IsBatchCounter(name)) missing.push_back(name);
      continue;
    }
    std::vector<int64_t> target_shape = target.sizes().vec();
    if (source->shape != target_shape) {
      wrong_shapes.push_back(name + " is " + ShapeText(source->shape) + " in the file, " + ShapeText(target_shape) +
                             " in " + model.config().arch);
      continue;
    }
    matches->push_back({target, source});
  }
  for (const auto& tensor : file.tensors()) {
    if (expected.count(tensor.name) == 0 && (include_head || !model.IsHeadTensor(tensor.name))) {
      unexpected.push_back(tensor.name);
    }
  }
  if (missing.empty() && unexpected.empty() && wrong_shapes.empty()) return Status::Ok();

  std::string message = file.origin() + " does not fit " + model.config().arch + " (torchvision names expected)";
  if (!missing.empty()) message += "; " + ListText("missing tensors", missing);
  if (!unexpected.empty()) message += "; " + ListText("unexpected tensors", unexpected);
  if (!wrong_shapes.empty()) message += "; " + ListText("wrong shapes", wrong_shapes);
  return Status::InvalidArgument(message);
}

Status LoadTensors(const std::string& path, ClassifierImpl& model, bool include_head) {
  SafetensorsFile file;
  SMALLSET_RETURN_IF_ERROR(SafetensorsFile::Open(path, &file));
  std::vector<TensorMatch> matches;
  SMALLSET_RETURN_IF_ERROR(MatchTensors(model, file, include_head, &matches));

  // Check every dtype before the first copy so a failure leaves the model unchanged.
  for (const auto& match : matches) {
    torch::Dtype dtype;
    SMALLSET_RETURN_IF_ERROR(TorchDtype(*match.source, &dtype).WithContext(path));
  }
  for (auto& match : matches) SMALLSET_RETURN_IF_ERROR(CopyInto(*match.source, match.target));
  return Status::Ok();
}

Status ToEntry(const std::string& name, const torch::Tensor& tensor, SafetensorsEntry* entry) {
  torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
  if (cpu.scalar_type() == torch::kFloat32) {
    entry->dtype = "F32";
  } else if (cpu.scalar_type() == torch::kInt64) {
    entry->dtype = "I64";
  } else {
    return Status::Unsupported("cannot save tensor " + name + " of dtype " + std::string(c10::toString(cpu.scalar_type())));
  }
  entry->name = name;
  entry->shape = cpu.sizes().vec();
  entry->data.assign(static_cast<const char*>(cpu.data_ptr()), cpu.numel() * cpu.element_size());
  return Status::Ok();
}

}  // namespace

Status LoadPretrainedBody(Classifier& model, const std::string& safetensors_path) {
  return LoadTensors(safetensors_path, *model, /*include_head=*/false);
}

Status LoadClassifier(const std::string& safetensors_path, Classifier& model) {
  return LoadTensors(safetensors_path, *model, /*include_head=*/true);
}

Status ReadSafetensorsTensors(const std::string& safetensors_path, std::map<std::string, torch::Tensor>* out) {
  SafetensorsFile file;
  SMALLSET_RETURN_IF_ERROR(SafetensorsFile::Open(safetensors_path, &file));
  for (const auto& source : file.tensors()) {
    torch::Dtype dtype;
    SMALLSET_RETURN_IF_ERROR(TorchDtype(source, &dtype).WithContext(safetensors_path));
    torch::Tensor target = torch::empty(source.shape, torch::TensorOptions().dtype(dtype));
    SMALLSET_RETURN_IF_ERROR(CopyInto(source, target));
    (*out)[source.name] = target;
  }
  return Status::Ok();
}

Status SaveClassifier(Classifier& model, const std::string& safetensors_path) {
  std::vector<SafetensorsEntry> entries;
  for (const auto& item : model->named_parameters()) {
    entries.emplace_back();
    SMALLSET_RETURN_IF_ERROR(ToEntry(item.key(), item.value(), &entries.back()));
  }
  for (const auto& item : model->named_buffers()) {
    entries.emplace_back();
    SMALLSET_RETURN_IF_ERROR(ToEntry(item.key(), item.value(), &entries.back()));
  }
  std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"architecture", model->config().arch},
      {"num_classes", std::to_string(model->config().num_classes)},
      {"padding", model->config().tf_same_padding ? "tf_same" : "symmetric"}};
  return WriteSafetensors(safetensors_path, entries, metadata);
}

}  // namespace smallset

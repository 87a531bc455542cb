#include "train/model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "common/content_store.h"
#include "train/model/atomic_file.h"

namespace smallset {

namespace {

using nlohmann::json;

// Larger headers are rejected before parsing. huggingface/safetensors (src/tensor.rs,
// MAX_HEADER_SIZE) uses the same limit.
constexpr uint64_t kMaxHeaderBytes = 100 * 1000 * 1000;

uint64_t ReadLittleEndian64(const char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

std::string LittleEndian64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

Status ReadMetadata(const json& value, const std::string& origin, std::map<std::string, std::string>* out) {
  if (!value.is_object()) return Status::Corruption(origin + ": \"__metadata__\" must be an object of strings");
  for (const auto& item : value.items()) {
    if (!item.value().is_string()) {
      return Status::Corruption(origin + ": \"__metadata__\" entry \"" + item.key() + "\" is not a string");
    }
    (*out)[item.key()] = item.value().get<std::string>();
  }
  return Status::Ok();
}

// Reads one header entry and checks it against `data_size`, the bytes after the header.
Status ReadTensorEntry(const std::string& name, const json& value, uint64_t data_size, const std::string& origin,
                       SafetensorsTensor* tensor, uint64_t* begin) {
  std::string where = origin + ": tensor \"" + name + "\"";
  if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets")) {
    return Status::Corruption(where + " needs \"dtype\", \"shape\" and \"data_offsets\"");
  }
  if (!value["dtype"].is_string()) return Status::Corruption(where + ": \"dtype\" is not a string");
  tensor->name = name;
  tensor->dtype = value["dtype"].get<std::string>();
  size_t element_size = SafetensorsDtypeSize(tensor->dtype);
  if (element_size == 0) return Status::Corruption(where + " has unknown dtype \"" + tensor->dtype + "\"");

  const json& shape = value["shape"];
  if (!shape.is_array()) return Status::Corruption(where + ": \"shape\" is not an array");
  uint64_t numel = 1;
  for (const json& dim : shape) {
    if (!dim.is_number_unsigned()) return Status::Corruption(where + ": every dimension must be a non-negative integer");
    uint64_t d = dim.get<uint64_t>();
    if (d != 0 && numel > std::numeric_limits<int64_t>::max() / element_size / d) {
      return Status::Corruption(where + ": shape is too large");
    }
    numel *= d;
    tensor->shape.push_back(static_cast<int64_t>(d));
  }

  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    return Status::Corruption(where + ": \"data_offsets\" must be [begin, end] with non-negative integers");
  }
  uint64_t start = offsets[0].get<uint64_t>();
  uint64_t end = offsets[1].get<uint64_t>();
  if (start > end) return Status::Corruption(where + ": data_offsets begin " + std::to_string(start) + " > end " + std::to_string(end));
  if (end > data_size) {
    return Status::Corruption(where + ": data_offsets end " + std::to_string(end) + " is beyond the data section (" +
                              std::to_string(data_size) + " bytes); the file may be truncated");
  }
  uint64_t expected = numel * element_size;
  if (end - start != expected) {
    return Status::Corruption(where + ": " + tensor->dtype + " with " + std::to_string(numel) + " elements needs " +
                              std::to_string(expected) + " bytes, but data_offsets span " +
                              std::to_string(end - start));
  }
  tensor->size_bytes = static_cast<size_t>(expected);
  *begin = start;
  return Status::Ok();
}

}  // namespace

int64_t SafetensorsTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t SafetensorsDtypeSize(const std::string& dtype) {
  static const std::map<std::string, size_t> kSizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2},
      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},     {"F64", 8}, {"I64", 8}, {"U64", 8}};
  auto it = kSizes.find(dtype);
  return it == kSizes.end() ? 0 : it->second;
}

Status SafetensorsFile::Open(const std::string& path, SafetensorsFile* out) {
  std::string bytes;
  SMALLSET_RETURN_IF_ERROR(ReadFile(path, &bytes));
  return Parse(std::move(bytes), path, out);
}

Status SafetensorsFile::Parse(std::string bytes, const std::string& origin, SafetensorsFile* out) {
  if (bytes.size() < 8) {
    return Status::Corruption(origin + ": not a safetensors file: " + std::to_string(bytes.size()) +
                              " bytes, shorter than the 8-byte header length");
  }
  uint64_t header_size = ReadLittleEndian64(bytes.data());
  if (header_size > bytes.size() - 8) {
    return Status::Corruption(origin + ": header length " + std::to_string(header_size) + " exceeds the " +
                              std::to_string(bytes.size() - 8) + " bytes after it; the file is truncated or not safetensors");
  }
  if (header_size > kMaxHeaderBytes) {
    return Status::Corruption(origin + ": header length " + std::to_string(header_size) + " exceeds the limit of " +
                              std::to_string(kMaxHeaderBytes) + " bytes");
  }

  json header;
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  } catch (const json::parse_error& error) {
    return Status::Corruption(origin + ": header is not valid JSON: " + error.what());
  }
  if (!header.is_object()) return Status::Corruption(origin + ": header is not a JSON object");

  SafetensorsFile file;
  file.origin_ = origin;
  uint64_t data_size = bytes.size() - 8 - header_size;
  std::vector<std::pair<uint64_t, SafetensorsTensor>> entries;
  for (const auto& item : header.items()) {
    if (item.key() == "__metadata__") {
      SMALLSET_RETURN_IF_ERROR(ReadMetadata(item.value(), origin, &file.metadata_));
      continue;
    }
    SafetensorsTensor tensor;
    uint64_t begin = 0;
    SMALLSET_RETURN_IF_ERROR(ReadTensorEntry(item.key(), item.value(), data_size, origin, &tensor, &begin));
    entries.emplace_back(begin, std::move(tensor));
  }

  // The data section must be covered exactly: no overlap, no gap, no trailing bytes.
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (const auto& [begin, tensor] : entries) {
    if (begin < covered) {
      return Status::Corruption(origin + ": tensors \"" + *previous + "\" and \"" + tensor.name + "\" overlap");
    }
    if (begin > covered) {
      return Status::Corruption(origin + ": data bytes " + std::to_string(covered) + " to " + std::to_string(begin) +
                                " belong to no tensor");
    }
    covered = begin + tensor.size_bytes;
    previous = &tensor.name;
  }
  if (covered != data_size) {
    return Status::Corruption(origin + ": " + std::to_string(data_size - covered) +
                              " bytes after the last tensor belong to no tensor");
  }

  file.bytes_ = std::make_shared<const std::string>(std::move(bytes));
  const char* data = file.bytes_->data() + 8 + header_size;
  for (auto& [begin, tensor] : entries) {
    tensor.data = data + begin;
    file.tensors_.push_back(std::move(tensor));
  }
  *out = std::move(file);
  return Status::Ok();
}

const SafetensorsTensor* SafetensorsFile::Find(const std::string& name) const {
  for (const auto& tensor : tensors_) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

Status WriteSafetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    size_t element_size = SafetensorsDtypeSize(tensor.dtype);
    if (element_size == 0) return Status::InvalidArgument("cannot write tensor " + tensor.name + ": unknown dtype " + tensor.dtype);
    uint64_t numel = 1;
    for (int64_t d : tensor.shape) numel *= static_cast<uint64_t>(d);
    if (tensor.data.size() != numel * element_size) {
      return Status::InvalidArgument("cannot write tensor " + tensor.name + ": " + std::to_string(tensor.data.size()) +
                                     " bytes for " + std::to_string(numel) + " elements of " + tensor.dtype);
    }
    if (header.contains(tensor.name)) return Status::InvalidArgument("cannot write tensor " + tensor.name + " twice");
    header[tensor.name] = {{"dtype", tensor.dtype}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + tensor.data.size()}}};
    offset += tensor.data.size();
  }

  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  std::string bytes = LittleEndian64(header_text.size()) + header_text;
  bytes.reserve(bytes.size() + offset);
  for (const auto& tensor : tensors) bytes += tensor.data;
  return WriteFileAtomically(path, bytes).WithContext("writing " + path);
}

}  // namespace smallset

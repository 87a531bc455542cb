// Reader and writer for the safetensors format: an 8-byte little-endian header length N, N
// bytes of JSON header, then the raw tensor data. The header maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} with offsets relative to the data section,
// and may hold "__metadata__", a string-to-string map.
// Format: https://github.com/huggingface/safetensors (README, "Format").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace smallset {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;           // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", ...
  std::vector<int64_t> shape;  // empty for a scalar
  const char* data = nullptr;  // little-endian element bytes
  size_t size_bytes = 0;

  int64_t numel() const;
};

// Returns the bytes per element of a safetensors dtype, or 0 when the dtype is unknown.
size_t SafetensorsDtypeSize(const std::string& dtype);

// A safetensors file read into memory and checked. Open rejects a malformed file with a
// Corruption error that names the file and the problem. Problems it detects: a truncated or
// oversized header, invalid JSON, an unknown dtype, a negative dimension, offsets out of
// range, a byte count that disagrees with dtype and shape, overlapping tensors, and bytes
// that no tensor covers.
class SafetensorsFile {
 public:
  static Status Open(const std::string& path, SafetensorsFile* out);
  // Parses `bytes` as a whole file; `origin` names it in errors.
  static Status Parse(std::string bytes, const std::string& origin, SafetensorsFile* out);

  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  // Returns the tensor called `name`, or nullptr.
  const SafetensorsTensor* Find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& origin() const { return origin_; }

 private:
  // The whole file, shared so that tensor pointers stay valid in copies of this object.
  std::shared_ptr<const std::string> bytes_;
  std::string origin_;
  std::vector<SafetensorsTensor> tensors_;  // in data offset order
  std::map<std::string, std::string> metadata_;
};

// One tensor to write. `data` contains numel * dtype size little-endian bytes.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string data;
};

// Writes `tensors` in order to `path` through a temporary file and a rename, so readers never
// see a partial file. The header is padded with spaces to a multiple of 8 bytes.
Status WriteSafetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

}  // namespace smallset

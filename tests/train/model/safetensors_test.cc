// The safetensors reader on valid and malformed files: every malformed file gets a
// Corruption error that names the file and the problem.
#include "train/model/safetensors.h"

#include <doctest/doctest.h>

#include <cstring>

#include "common/content_store.h"
#include "tests/support/test_support.h"

using smallset::SafetensorsEntry;
using smallset::SafetensorsFile;
using smallset::Status;
using smallset::testing::TempDir;

namespace {

std::string LittleEndian64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

// A file with `header` as its JSON header and `data_size` zero bytes after it.
std::string FileWith(const std::string& header, size_t data_size) {
  return LittleEndian64(header.size()) + header + std::string(data_size, '\0');
}

// Parses `bytes` and returns the error message, or "OK".
std::string ParseError(const std::string& bytes) {
  SafetensorsFile file;
  Status status = SafetensorsFile::Parse(bytes, "weights.safetensors", &file);
  if (!status.ok()) CHECK(status.code() == Status::Code::kCorruption);
  return status.ToString();
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string FloatBytes(const std::vector<float>& values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

TEST_CASE("safetensors round trip keeps names shapes data") {
  TempDir dir;
  std::vector<SafetensorsEntry> entries = {
      {"conv.weight", "F32", {2, 1, 1, 2}, FloatBytes({1.5f, -2.0f, 3.25f, 0.0f})},
      {"bn.num_batches_tracked", "I64", {}, std::string("\x07\0\0\0\0\0\0\0", 8)},
      {"empty", "F32", {0, 3}, ""},
  };
  REQUIRE(smallset::WriteSafetensors(dir / "a.safetensors", entries, {{"format", "pt"}}).ok());

  std::string bytes;
  REQUIRE(smallset::ReadFile(dir / "a.safetensors", &bytes).ok());
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  CHECK(header_size % 8 == 0);

  SafetensorsFile file;
  Status status = SafetensorsFile::Open(dir / "a.safetensors", &file);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(file.tensors().size() == 3);
  CHECK(file.metadata().at("format") == "pt");

  const auto* weight = file.Find("conv.weight");
  REQUIRE(weight != nullptr);
  CHECK(weight->dtype == "F32");
  CHECK(weight->shape == std::vector<int64_t>{2, 1, 1, 2});
  CHECK(weight->numel() == 4);
  CHECK(std::string(weight->data, weight->size_bytes) == entries[0].data);

  const auto* counter = file.Find("bn.num_batches_tracked");
  REQUIRE(counter != nullptr);
  CHECK(counter->shape.empty());
  CHECK(counter->numel() == 1);
  CHECK(counter->data[0] == 7);
  CHECK(file.Find("empty")->numel() == 0);
  CHECK(file.Find("missing") == nullptr);
}

TEST_CASE("safetensors writer rejects inconsistent entries") {
  TempDir dir;
  CHECK_FALSE(smallset::WriteSafetensors(dir / "a.safetensors", {{"w", "F32", {3}, FloatBytes({1, 2})}}).ok());
  CHECK_FALSE(smallset::WriteSafetensors(dir / "a.safetensors", {{"w", "F31", {1}, FloatBytes({1})}}).ok());
  CHECK_FALSE(smallset::WriteSafetensors(dir / "a.safetensors",
                                         {{"w", "F32", {1}, FloatBytes({1})}, {"w", "F32", {1}, FloatBytes({2})}})
                   .ok());
  CHECK_FALSE(smallset::testing::FileExists(dir / "a.safetensors"));
}

TEST_CASE("safetensors reader rejects truncated files") {
  CHECK(Contains(ParseError(""), "shorter than the 8-byte header length"));
  CHECK(Contains(ParseError("\x10\0\0"), "shorter than the 8-byte header length"));

  std::string header = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  std::string whole = FileWith(header, 16);
  CHECK(ParseError(whole) == "OK");
  std::string cut_in_data = whole.substr(0, whole.size() - 5);
  CHECK(Contains(ParseError(cut_in_data), "beyond the data section"));
  CHECK(Contains(ParseError(cut_in_data), "weights.safetensors"));
  std::string cut_in_header = whole.substr(0, 20);
  CHECK(Contains(ParseError(cut_in_header), "exceeds the 12 bytes after it"));
}

TEST_CASE("safetensors reader rejects huge header length") {
  CHECK(Contains(ParseError(LittleEndian64(~0ull) + "{}"), "header length"));
  CHECK(Contains(ParseError(LittleEndian64(1ull << 40) + "{}"), "exceeds"));
}

TEST_CASE("safetensors reader rejects bad JSON") {
  CHECK(Contains(ParseError(FileWith("{\"w\": {", 0)), "not valid JSON"));
  CHECK(Contains(ParseError(FileWith("not json", 0)), "not valid JSON"));
  CHECK(Contains(ParseError(FileWith("[1, 2]", 0)), "not a JSON object"));
  CHECK(Contains(ParseError(FileWith(std::string("{\"w\"\0:1}", 8), 0)), "not valid JSON"));
  CHECK(Contains(ParseError(FileWith(R"({"__metadata__": {"a": 1}})", 0)), "is not a string"));
  CHECK(Contains(ParseError(FileWith(R"({"w": {"dtype": "F32"}})", 0)), "needs \"dtype\", \"shape\" and \"data_offsets\""));
  CHECK(Contains(ParseError(FileWith(R"({"w": {"dtype": 3, "shape": [], "data_offsets": [0, 4]}})", 4)), "not a string"));
  CHECK(Contains(ParseError(FileWith(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4)),
                 "non-negative integer"));
  CHECK(Contains(ParseError(FileWith(R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", 4)),
                 "non-negative integer"));
  CHECK(Contains(ParseError(FileWith(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4)),
                 "[begin, end]"));
}

TEST_CASE("safetensors reader rejects offsets out of range") {
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 12)),
                 "beyond the data section (12 bytes)"));
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8)),
                 "begin 8 > end 4"));
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8)),
                 "data bytes 0 to 4 belong to no tensor"));
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8)),
                 "4 bytes after the last tensor"));
}

TEST_CASE("safetensors reader rejects dtype and shape mismatch") {
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)),
                 "F32 with 3 elements needs 12 bytes, but data_offsets span 8"));
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}})", 16)),
                 "needs 8 bytes"));
  CHECK(Contains(ParseError(FileWith(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8)),
                 "too large"));
}

TEST_CASE("safetensors reader rejects unknown dtype") {
  std::string message = ParseError(FileWith(R"({"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", 16));
  CHECK(Contains(message, "unknown dtype \"F128\""));
  CHECK(Contains(message, "tensor \"w\""));
}

TEST_CASE("safetensors reader rejects overlapping tensors") {
  std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  CHECK(Contains(ParseError(FileWith(header, 12)), "tensors \"a\" and \"b\" overlap"));
  std::string same = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})";
  CHECK(Contains(ParseError(FileWith(same, 4)), "overlap"));
}

TEST_CASE("safetensors reader reports missing file") {
  SafetensorsFile file;
  Status status = SafetensorsFile::Open("/nonexistent/weights.safetensors", &file);
  CHECK_FALSE(status.ok());
  CHECK(Contains(status.message(), "/nonexistent/weights.safetensors"));
}

TEST_CASE("safetensors reader opens the shared weights") {
  SMALLSET_REQUIRE_SHARED(shared);
  SafetensorsFile file;
  Status status = SafetensorsFile::Open(shared + "/weights/mobilenet_v2_1.0_224_imagenet/model.safetensors", &file);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(file.tensors().size() == 262);
  int64_t values = 0;
  for (const auto& tensor : file.tensors()) values += tensor.numel();
  CHECK(values == 3538984);
  REQUIRE(file.Find("features.0.0.weight") != nullptr);
  CHECK(file.Find("features.0.0.weight")->shape == std::vector<int64_t>{32, 3, 3, 3});
}

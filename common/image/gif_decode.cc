// GIF through giflib, reading records only up to the first image, so an animation with
// hundreds of frames costs no more than its first frame.
#include <gif_lib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "common/image/decode_internal.h"
#include "common/log.h"

namespace smallset {
namespace {

struct MemoryReader {
  std::string_view bytes;
  size_t offset = 0;
};

int ReadFromMemory(GifFileType* gif, GifByteType* buffer, int length) {
  auto* reader = static_cast<MemoryReader*>(gif->UserData);
  size_t count = std::min<size_t>(size_t(length), reader->bytes.size() - reader->offset);
  std::memcpy(buffer, reader->bytes.data() + reader->offset, count);
  reader->offset += count;
  return int(count);
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};
using GifHandle = std::unique_ptr<GifFileType, GifCloser>;

// Transparent colour index from a Graphic Control Extension, or -1.
int TransparentIndex(const GifByteType* extension) {
  // extension[0] is the block size (4), then packed flags, delay (2), transparent index.
  if (extension == nullptr || extension[0] < 4) return -1;
  return (extension[1] & 0x01) ? extension[4] : -1;
}

// Skips extensions up to the first image descriptor and keeps the transparent index of
// the Graphic Control Extension that applies to it. Returns false on a read error or when
// the file ends before any image.
bool SeekFirstImage(GifFileType* gif, int* transparent_index) {
  *transparent_index = -1;
  while (true) {
    GifRecordType record;
    if (DGifGetRecordType(gif, &record) == GIF_ERROR) return false;
    if (record == IMAGE_DESC_RECORD_TYPE) return DGifGetImageDesc(gif) != GIF_ERROR;
    if (record == TERMINATE_RECORD_TYPE) return false;
    if (record != EXTENSION_RECORD_TYPE) continue;

    int code;
    GifByteType* extension = nullptr;
    if (DGifGetExtension(gif, &code, &extension) == GIF_ERROR) return false;
    if (code == GRAPHICS_EXT_FUNC_CODE) *transparent_index = TransparentIndex(extension);
    while (extension != nullptr) {
      if (DGifGetExtensionNext(gif, &extension) == GIF_ERROR) return false;
    }
  }
}

// Reads the frame's rows in file order; interlaced frames store rows in four passes.
bool ReadFrameIndices(GifFileType* gif, std::vector<GifByteType>* indices) {
  const GifImageDesc& frame = gif->Image;
  indices->resize(size_t(frame.Width) * size_t(frame.Height));
  auto read_row = [&](int y) {
    return DGifGetLine(gif, indices->data() + size_t(y) * size_t(frame.Width), frame.Width) != GIF_ERROR;
  };
  if (!frame.Interlace) {
    for (int y = 0; y < frame.Height; ++y) {
      if (!read_row(y)) return false;
    }
    return true;
  }
  static constexpr int kStart[] = {0, 4, 2, 1};
  static constexpr int kStep[] = {8, 8, 4, 2};
  for (int pass = 0; pass < 4; ++pass) {
    for (int y = kStart[pass]; y < frame.Height; y += kStep[pass]) {
      if (!read_row(y)) return false;
    }
  }
  return true;
}

// Paints the frame onto a white canvas of the logical screen size. Transparent pixels and
// the area outside the frame stay white.
void PaintFrame(const GifFileType& gif, const ColorMapObject& palette, const std::vector<GifByteType>& indices,
                int transparent_index, cv::Mat* canvas) {
  const GifImageDesc& frame = gif.Image;
  for (int y = 0; y < frame.Height; ++y) {
    int canvas_y = frame.Top + y;
    if (canvas_y < 0 || canvas_y >= canvas->rows) continue;
    uint8_t* row = canvas->ptr<uint8_t>(canvas_y);
    for (int x = 0; x < frame.Width; ++x) {
      int canvas_x = frame.Left + x;
      if (canvas_x < 0 || canvas_x >= canvas->cols) continue;
      int index = indices[size_t(y) * size_t(frame.Width) + size_t(x)];
      if (index == transparent_index || index >= palette.ColorCount) continue;
      const GifColorType& color = palette.Colors[index];
      uint8_t* pixel = row + 3 * canvas_x;
      pixel[0] = color.Red;
      pixel[1] = color.Green;
      pixel[2] = color.Blue;
    }
  }
}

}  // namespace

Status DecodeGif(std::string_view bytes, const DecodeOptions& options, DecodedImage* out) {
  MemoryReader reader{bytes, 0};
  int error = 0;
  GifHandle gif(DGifOpen(&reader, ReadFromMemory, &error));
  if (!gif) return CorruptImage(SniffedFormat::kGif);
  SMALLSET_RETURN_IF_ERROR(CheckDimensions(gif->SWidth, gif->SHeight, options));

  int transparent_index;
  if (!SeekFirstImage(gif.get(), &transparent_index)) return CorruptImage(SniffedFormat::kGif);

  // The frame is decoded into its own buffer before painting, so its size is checked too.
  const GifImageDesc& frame = gif->Image;
  if (int64_t(frame.Width) * frame.Height > options.max_pixels) {
    return CheckDimensions(frame.Width, frame.Height, options);
  }
  const ColorMapObject* palette = frame.ColorMap != nullptr ? frame.ColorMap : gif->SColorMap;
  if (palette == nullptr || frame.Width <= 0 || frame.Height <= 0) return CorruptImage(SniffedFormat::kGif);

  std::vector<GifByteType> indices;
  if (!ReadFrameIndices(gif.get(), &indices)) {
    SMALLSET_LOG_DEBUG("giflib: %s", GifErrorString(gif->Error));
    return CorruptImage(SniffedFormat::kGif);
  }

  cv::Mat canvas(gif->SHeight, gif->SWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  PaintFrame(*gif, *palette, indices, transparent_index, &canvas);
  out->rgb = canvas;
  out->original_width = gif->SWidth;
  out->original_height = gif->SHeight;
  return Status::Ok();
}

}  // namespace smallset

// JPEG through the libjpeg API of libjpeg-turbo.
//
// libjpeg reports fatal errors through error_exit, which must not return, so each phase
// that calls into libjpeg is a function with its own setjmp point. Those functions keep
// no C++ object with a destructor in their own frame: everything they fill lives in the
// caller's JpegSession, so a longjmp skips no destructor.
//
// A warning (corrupt data, premature end of file, extraneous bytes) is fatal as well:
// libjpeg-turbo would otherwise fill the missing part with grey and report success, and a
// half-grey picture must not pass as a good one.
#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>

#include "common/image/decode_internal.h"
#include "common/image/exif.h"
#include "common/log.h"

namespace smallset {
namespace {

struct JpegErrorManager {
  jpeg_error_mgr base;  // first member: libjpeg passes a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnFatalError(j_common_ptr info) {
  auto* manager = reinterpret_cast<JpegErrorManager*>(info->err);
  (*info->err->format_message)(info, manager->message);
  std::longjmp(manager->jump, 1);
}

// Level -1 is a warning; higher levels are trace messages, which are ignored.
void OnMessage(j_common_ptr info, int level) {
  if (level >= 0) return;
  auto* manager = reinterpret_cast<JpegErrorManager*>(info->err);
  (*info->err->format_message)(info, manager->message);
  std::longjmp(manager->jump, 1);
}

class JpegSession {
 public:
  JpegSession() {
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = OnFatalError;
    errors.base.emit_message = OnMessage;
    errors.message[0] = '\0';
    jpeg_create_decompress(&info);
  }
  ~JpegSession() { jpeg_destroy_decompress(&info); }
  JpegSession(const JpegSession&) = delete;
  JpegSession& operator=(const JpegSession&) = delete;

  jpeg_decompress_struct info;
  JpegErrorManager errors;
  cv::Mat pixels;  // RGB, or inverted/plain CMYK for 4-component files
};

// Reads the markers up to the first scan, keeping APP1 for the EXIF orientation.
// Returns false on a libjpeg error or warning.
bool ReadHeader(JpegSession* session, std::string_view bytes) {
  if (setjmp(session->errors.jump)) return false;
  jpeg_mem_src(&session->info, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_save_markers(&session->info, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&session->info, TRUE);
  return true;
}

// Decodes every scanline into session->pixels at 1/`scale_denominator` size.
// Returns false on a libjpeg error or warning.
bool ReadPixels(JpegSession* session, int scale_denominator, bool fast) {
  if (setjmp(session->errors.jump)) return false;
  jpeg_decompress_struct& info = session->info;

  // libjpeg converts YCCK to CMYK itself; CMYK to RGB is done afterwards.
  bool four_channels = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  info.out_color_space = four_channels ? JCS_CMYK : JCS_RGB;
  info.scale_num = 1;
  info.scale_denom = scale_denominator;
  if (fast) {
    info.dct_method = JDCT_IFAST;
    info.do_fancy_upsampling = FALSE;
  }
  jpeg_start_decompress(&info);

  session->pixels.create(int(info.output_height), int(info.output_width), four_channels ? CV_8UC4 : CV_8UC3);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = session->pixels.ptr<JSAMPLE>(int(info.output_scanline));
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  return true;
}

int FindExifOrientation(const jpeg_decompress_struct& info) {
  static constexpr char kExifPrefix[] = "Exif\0\0";
  for (jpeg_saved_marker_ptr marker = info.marker_list; marker != nullptr; marker = marker->next) {
    if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 6) continue;
    if (std::memcmp(marker->data, kExifPrefix, 6) != 0) continue;
    return ParseExifOrientation(
        std::string_view(reinterpret_cast<const char*>(marker->data) + 6, marker->data_length - 6));
  }
  return 1;
}

// Picks the largest DCT scaling denominator (8, 4, 2 or 1) that keeps the short side at or
// above `target_short_side`. Scaled sides are rounded up, as jpeg_calc_output_dimensions does.
int ChooseScaleDenominator(int64_t width, int64_t height, int target_short_side) {
  if (target_short_side <= 0) return 1;
  int64_t short_side = std::min(width, height);
  for (int denominator : {8, 4, 2}) {
    if ((short_side + denominator - 1) / denominator >= target_short_side) return denominator;
  }
  return 1;
}

// Adobe applications write CMYK JPEGs inverted (0 = full ink) and mark them with an APP14
// "Adobe" segment; without the marker the samples are taken as plain CMYK.
cv::Mat CmykToRgb(const cv::Mat& cmyk, bool inverted) {
  cv::Mat rgb(cmyk.rows, cmyk.cols, CV_8UC3);
  for (int y = 0; y < cmyk.rows; ++y) {
    const uint8_t* in = cmyk.ptr<uint8_t>(y);
    uint8_t* out = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < cmyk.cols; ++x, in += 4, out += 3) {
      int c = in[0], m = in[1], yellow = in[2], k = in[3];
      if (!inverted) {
        c = 255 - c;
        m = 255 - m;
        yellow = 255 - yellow;
        k = 255 - k;
      }
      out[0] = uint8_t((c * k + 127) / 255);
      out[1] = uint8_t((m * k + 127) / 255);
      out[2] = uint8_t((yellow * k + 127) / 255);
    }
  }
  return rgb;
}

}  // namespace

Status DecodeJpeg(std::string_view bytes, const DecodeOptions& options, DecodedImage* out) {
  JpegSession session;
  if (!ReadHeader(&session, bytes)) {
    SMALLSET_LOG_DEBUG("libjpeg: %s", session.errors.message);
    return CorruptImage(SniffedFormat::kJpeg);
  }
  const jpeg_decompress_struct& info = session.info;
  // Saved markers live in libjpeg's per-image pool, which jpeg_finish_decompress frees.
  const int orientation = FindExifOrientation(info);
  SMALLSET_RETURN_IF_ERROR(CheckDimensions(info.image_width, info.image_height, options));

  int scale_denominator = ChooseScaleDenominator(info.image_width, info.image_height, options.target_short_side);
  if (!ReadPixels(&session, scale_denominator, options.fast_jpeg)) {
    SMALLSET_LOG_DEBUG("libjpeg: %s", session.errors.message);
    return CorruptImage(SniffedFormat::kJpeg);
  }

  cv::Mat rgb = session.pixels.channels() == 4 ? CmykToRgb(session.pixels, info.saw_Adobe_marker)
                                               : session.pixels;
  out->rgb = ApplyExifOrientation(rgb, orientation);
  out->exif_orientation = orientation;
  out->scale_denominator = scale_denominator;
  bool swap = OrientationSwapsSides(orientation);
  out->original_width = int(swap ? info.image_height : info.image_width);
  out->original_height = int(swap ? info.image_width : info.image_height);
  return Status::Ok();
}

}  // namespace smallset

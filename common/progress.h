// A progress bar for long work.
//
// On a terminal it redraws one line in place at most ten times a second:
//   download  [#########-----------]  45%  90/200  stored 81 failed 9  3.4 MB  12.1/s  ETA 9s
// When stderr is not a terminal (piped, CI, cron), it prints a plain line at most every
// ten seconds instead, and one final line. NO_COLOR turns off colour. Nothing is drawn when the
// log level is above info (--quiet).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace smallset {

class Progress {
 public:
  // `total` may be 0 when unknown; the bar then shows counts and rate only.
  Progress(std::string title, int64_t total);
  ~Progress();  // calls Finish() if it was not called

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void SetTotal(int64_t total);

  // Sets the number of finished items and a short detail text ("stored 81 failed 9").
  void Update(int64_t done, const std::string& detail = "");

  // Draws the final state and ends the line.
  void Finish();

 private:
  void Draw(bool final_line);

  std::string title_;
  int64_t total_;
  int64_t done_ = 0;
  std::string detail_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace smallset

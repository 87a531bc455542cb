#!/usr/bin/env bash
# Builds the libFuzzer targets in this folder with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, then runs each one for SECONDS (default 60).
#
#   tests/fuzz/run.sh [SECONDS]
#
# Needs clang (Debian packages clang and libclang-rt-14-dev or the runtime of the installed
# clang version). Binaries and corpora go to build-fuzz/ in the checkout. The PNG files of
# ../shared/cases, when present, seed the corpus of decode_fuzz. A crash stops the run with
# libFuzzer's report and the input that caused it (crash-*) in build-fuzz/.
set -euo pipefail

seconds=${1:-60}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
out=$source_dir/build-fuzz
command -v clang++ >/dev/null || { echo "run.sh: clang++ not found; install the Debian package clang" >&2; exit 1; }
mkdir -p "$out/corpus-decode" "$out/corpus-png-pixels"

# The decoder library and what it needs, compiled straight into each target so that all of
# it is instrumented.
sources=("$source_dir"/common/image/*.cc "$source_dir"/common/log.cc "$source_dir"/common/sniff.cc
         "$source_dir"/common/terminal.cc "$source_dir"/common/clock.cc "$source_dir"/curate/phash.cc)
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$source_dir" $(pkg-config --cflags opencv4))
libraries=(-lopencv_imgcodecs -lopencv_imgproc -lopencv_core -ljpeg -lgif -ldeflate)

for target in decode_fuzz png_pixels_fuzz; do
  echo "== building $target"
  clang++ "${flags[@]}" "$source_dir/tests/fuzz/$target.cc" "${sources[@]}" -o "$out/$target" "${libraries[@]}"
done

shared_cases=$source_dir/../shared/cases
if [ -d "$shared_cases" ]; then
  find "$shared_cases" -name '*.png' -size -150k -exec cp {} "$out/corpus-decode/" \;
fi

cd "$out"
echo "== decode_fuzz for $seconds s"
./decode_fuzz -max_total_time="$seconds" -max_len=200000 -rss_limit_mb=2048 -print_final_stats=1 corpus-decode
echo "== png_pixels_fuzz for $seconds s"
./png_pixels_fuzz -max_total_time="$seconds" -max_len=40000 -rss_limit_mb=2048 -print_final_stats=1 corpus-png-pixels
echo "== no crash in $seconds s per target"

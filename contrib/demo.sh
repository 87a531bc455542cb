#!/usr/bin/env bash
# The main job end to end, on this machine only: a local image search engine on 127.0.0.1
# serves a folder of pictures, then crawl, curate and train run as a user would run them.
#
#   contrib/demo.sh            (make demo runs it after building)
#   contrib/demo.sh --refresh  (make refresh runs it): restarts local-engine on the port recorded in
#                              demo/data.db and runs contrib/refresh.sh there with the demo's weights
#
# Environment:
#   DEMO_IMAGES=DIR  folder-per-class pictures (with_glasses/, without_glasses/). Default:
#                    ../shared/datasets/web_faces_glasses when present, else synthetic drawings.
#   WEIGHTS=DIR      pretrained weights folder (model.safetensors + config.json). Default:
#                    ../shared/weights/mobilenet_v2_1.0_224_imagenet when present, else --weights auto,
#                    else random initialisation (with a warning: accuracy will be poor).
#   DEMO_DIR=DIR     working folder, emptied first (default: demo/ in the checkout).
#   TRAIN_ARGS="..." extra train options.
set -euo pipefail

mode=demo
[ "${1:-}" = "--refresh" ] && mode=refresh

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
work="${DEMO_DIR:-$root/demo}"
shared="$root/../shared"

say() { printf '\n== %s\n' "$*"; }
seconds_since() { echo $(( $(date +%s) - $1 )); }

# Pictures: the user's, the shared real photos, or synthetic drawings (with a warning).
images="${DEMO_IMAGES:-}"
synthetic=0
if [ -z "$images" ] && [ -d "$shared/datasets/web_faces_glasses" ]; then
  images="$shared/datasets/web_faces_glasses"
fi
if [ "$mode" = demo ]; then
  rm -rf "$work"
  mkdir -p "$work"
elif [ ! -f "$work/data.db" ]; then
  echo "demo: no $work/data.db; run make demo first" >&2
  exit 2
fi
if [ -z "$images" ] && [ "$mode" = refresh ] && [ -d "$work/synthetic_pictures" ]; then
  images="$work/synthetic_pictures"
elif [ -z "$images" ]; then
  synthetic=1
  images="$work/synthetic_pictures"
  say "WARNING: no DEMO_IMAGES and no shared photos; generating SYNTHETIC cartoon faces"
  /usr/bin/python3 "$root/contrib/make_synthetic_faces.py" "$images" --count 220
fi

# Weights: the user's, the shared MobileNetV2, the download cache, or none.
weights="${WEIGHTS:-}"
arch_args=()
if [ -z "$weights" ] && [ -d "$shared/weights/mobilenet_v2_1.0_224_imagenet" ]; then
  weights="$shared/weights/mobilenet_v2_1.0_224_imagenet"
fi
if [ -z "$weights" ]; then
  weights=auto
fi
arch_args=(--arch mobilenet_v2 --weights "$weights")

cd "$work"
started=$(date +%s)

say "starting local-engine for $images"
# A refresh reuses the port stored with the queries, because crawl --refresh requests the same URL.
engine_port=0
if [ "$mode" = refresh ]; then
  engine_port=$(sqlite3 data.db "SELECT engine_url FROM queries WHERE engine_url IS NOT NULL LIMIT 1" | sed -n 's/.*:\([0-9]*\)$/\1/p')
  engine_port=${engine_port:-0}
fi
"$bin/local-engine" --root "$images" --port "$engine_port" --quiet > engine.out 2> engine.log &
engine_pid=$!
trap 'kill $engine_pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^PORT=//p' engine.out)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "demo: local-engine did not start; see $work/engine.log" >&2
  exit 1
fi
engine="http://127.0.0.1:$port"

if [ "$mode" = refresh ]; then
  say "refresh of $work against local-engine on $engine"
  "$root/contrib/refresh.sh" --workdir "$work" --bin "$bin" --allow-private -- "${arch_args[@]}"
  exit
fi

# --allow-private: the engine is on 127.0.0.1, which crawl rejects by default.
step=$(date +%s)
say "crawl \"actors with glasses\" -n 200 --label with_glasses"
"$bin/crawl" "actors with glasses" -n 200 --label with_glasses --engine-url "$engine" --allow-private
say "crawl \"actors without glasses\" -n 200 --label without_glasses"
"$bin/crawl" "actors without glasses" -n 200 --label without_glasses --engine-url "$engine" --allow-private
crawl_seconds=$(seconds_since "$step")

step=$(date +%s)
say "curate --split 135:20 --report report.html"
"$bin/curate" --split 135:20 --report report.html
curate_seconds=$(seconds_since "$step")

step=$(date +%s)
say "train --manifest data.db ${arch_args[*]} ${TRAIN_ARGS:-}"
train_status=0
# shellcheck disable=SC2086
"$bin/train" --manifest data.db "${arch_args[@]}" --out runs/demo --json ${TRAIN_ARGS:-} > train.json || train_status=$?
if [ "$train_status" -ne 0 ] && [ "$weights" = auto ]; then
  say "WARNING: no pretrained weights could be had (offline, empty cache); training from RANDOM initialisation. Accuracy will be poor. Pass WEIGHTS=DIR for a real result."
  # shellcheck disable=SC2086
  "$bin/train" --manifest data.db --arch mobilenet_v2 --weights none --out runs/demo --json ${TRAIN_ARGS:-} > train.json
elif [ "$train_status" -ne 0 ]; then
  exit "$train_status"
fi
train_seconds=$(seconds_since "$step")

accuracy=$(/usr/bin/python3 -c 'import json,sys; print("%.1f%%" % (100 * json.load(open(sys.argv[1]))["accuracy"]))' train.json)
say "done in $(seconds_since "$started") s (crawl ${crawl_seconds} s, curate ${curate_seconds} s, train ${train_seconds} s)"
echo "validation accuracy: $accuracy"
[ "$synthetic" -eq 1 ] && echo "(on SYNTHETIC drawings: this figure says nothing about real photos)"
echo "curate report:   $work/report.html"
echo "training report: $work/runs/demo/report.html"
echo "manifest:        $work/data.db"

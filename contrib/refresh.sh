#!/usr/bin/env bash
# Scheduled refresh: grows a smallset data set and retrains, without moving earlier splits.
#
#   contrib/refresh.sh --workdir /srv/smallset [--new 50] [--allow-private] [--bin DIR] [--log FILE]
#                      [-- TRAIN OPTIONS...]
#
# Steps, in the working folder that contains data.db:
#   1. crawl --refresh --new K   reruns every stored query and stores up to K unseen images per query
#   2. curate                    validates and deduplicates the new images and fills the stored split
#   3. train --out runs/refresh-<time> [TRAIN OPTIONS]
# then prints a summary comparing the new run with the previous one.
#
# Only one refresh runs at a time: a second one exits at once with status 75 (EX_TEMPFAIL).
# Every line goes to the log file as well as to stdout. The exit status is non-zero when any step
# failed. The steps after a failed crawl still run, because crawl fails when any one query fails
# and the images of the other queries should still be curated.
set -uo pipefail

workdir=.
new=50
bindir=""
logfile=""
train_options=()
crawl_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) workdir=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    --allow-private) crawl_options+=(--allow-private); shift ;;
    --bin) bindir=$2; shift 2 ;;
    --log) logfile=$2; shift 2 ;;
    --) shift; train_options=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "refresh: unknown option $1; see --help" >&2; exit 2 ;;
  esac
done

script_dir=$(cd "$(dirname "$0")" && pwd)
[ -n "$bindir" ] || bindir="$script_dir/../build/bin"
for program in crawl curate train; do
  if [ ! -x "$bindir/$program" ]; then
    echo "refresh: $bindir/$program not found; build with make, or pass --bin DIR" >&2
    exit 2
  fi
done
cd "$workdir" || { echo "refresh: cannot enter working folder $workdir" >&2; exit 2; }
if [ ! -f data.db ]; then
  echo "refresh: no data.db in $(pwd); run crawl, curate --split and train once before refreshing" >&2
  exit 2
fi
[ -n "$logfile" ] || logfile="$(pwd)/refresh.log"

# flock(1) releases the lock when this process dies, so a killed refresh never blocks the next.
exec 9>"$(pwd)/refresh.lock"
if ! flock -n 9; then
  echo "refresh: another refresh is running in $(pwd) (lock refresh.lock); exiting" >&2
  exit 75
fi
exec > >(tee -a "$logfile") 2>&1

sql() { sqlite3 -batch -noheader data.db "$1"; }
kept_count() { sql "SELECT count(*) FROM images WHERE status = 'kept'"; }
split_count() { sql "SELECT count(*) FROM images WHERE split IS NOT NULL"; }

echo "== refresh started $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(pwd)"
kept_before=$(kept_count)
split_before=$(split_count)
previous_run=$(sql "SELECT id FROM runs WHERE status = 'finished' ORDER BY id DESC LIMIT 1")
failures=0

echo "== crawl --refresh --new $new"
"$bindir/crawl" --manifest data.db --refresh --new "$new" "${crawl_options[@]}" || { echo "refresh: crawl failed (status $?)"; failures=$((failures + 1)); }

echo "== curate"
if ! "$bindir/curate" --manifest data.db --report report.html; then
  echo "refresh: curate failed; training skipped"
  exit 1
fi

run_name="refresh-$(date -u +%Y%m%d-%H%M%S)"
echo "== train --out runs/$run_name"
train_ok=1
if ! "$bindir/train" --manifest data.db --out "runs/$run_name" "${train_options[@]}"; then
  echo "refresh: train failed"
  failures=$((failures + 1))
  train_ok=0
fi

kept_after=$(kept_count)
split_after=$(split_count)
echo "== summary"
echo "kept images: $kept_before -> $kept_after ($((kept_after - kept_before)) added); in a split: $split_before -> $split_after"
if [ -n "$previous_run" ]; then
  echo "previous run: $(sql "SELECT name || '  accuracy ' || printf('%.4f', accuracy) FROM runs WHERE id = $previous_run")"
fi
if [ "$train_ok" -eq 1 ]; then
  echo "new run:      $(sql "SELECT name || '  accuracy ' || printf('%.4f', accuracy) FROM runs WHERE status = 'finished' ORDER BY id DESC LIMIT 1")"
else
  echo "new run:      none (train failed; see above)"
fi
echo "== refresh finished $(date -u +%Y-%m-%dT%H:%M:%SZ) with $failures failed step(s)"
[ "$failures" -eq 0 ]

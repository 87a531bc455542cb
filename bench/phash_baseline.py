"""Python baseline for the curate benchmark: the same 64-bit DCT pHash with PIL and numpy.

Reads file paths (one per line) from stdin, decodes each with PIL, converts it to grey,
resizes it to 32x32 (Lanczos, as the imagehash package does), takes the 2-D DCT-II with a
numpy matrix product, and sets bit i when the coefficient at rows/cols 1..8 is above their
median. Prints one summary line: files, failures, seconds, images per second.

Run with /usr/bin/python3 (Debian's PIL and numpy):
    find ../shared/datasets/celeba_eyeglasses -name '*.jpg' | /usr/bin/python3 bench/phash_baseline.py
"""
import sys
import time

import numpy as np
from PIL import Image

SIDE = 32
_k = np.arange(SIDE)
DCT = np.sqrt(2.0 / SIDE) * np.cos(np.pi * (2 * _k[None, :] + 1) * _k[:, None] / (2 * SIDE))
DCT[0] /= np.sqrt(2.0)


def phash(path):
    with Image.open(path) as image:
        image.seek(0)
        grey = image.convert("L").resize((SIDE, SIDE), Image.LANCZOS)
    pixels = np.asarray(grey, dtype=np.float64)
    block = (DCT @ pixels @ DCT.T)[1:9, 1:9]
    bits = (block > np.median(block)).flatten()
    return int(np.packbits(bits).view(">u8")[0])


def main():
    paths = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    failures = 0
    start = time.perf_counter()
    for path in paths:
        try:
            phash(path)
        except Exception:  # a broken file counts as a failure, as curate would record a defect
            failures += 1
    seconds = time.perf_counter() - start
    print(f"python files {len(paths)} failures {failures} seconds {seconds:.2f} images/s {len(paths) / seconds:.1f}")


if __name__ == "__main__":
    main()

"""A batch from Python on 1 and 2 threads: imagemint releases the GIL, so two threads
should take about half the time of one.

    python benches/python_threads.py [ROUNDS]

Sixteen 1600×1200 JPEGs (the astronaut photo, enlarged) to WebP at quality 75 and to
JPEG at quality 80, each batch on a ThreadPoolExecutor with 1 and 2 workers; medians.
RAYON_NUM_THREADS=1 is set so that the codecs' own threads do not blur the comparison.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")
import imagemint  # noqa: E402  (after RAYON_NUM_THREADS)

ROOT = Path(__file__).resolve().parents[1]


def batch(files: list[bytes], threads: int, **options: object) -> float:
    opts = imagemint.Options(**options)
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda data: imagemint.process(data, opts), files))
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    photo = imagemint.process(
        ROOT / "tests/fixtures/astronaut.png", format="jpeg", quality=90,
        resize=(1600, 1200), fit="fill", enlarge=True,
    ).data
    files = [photo] * 16
    for name, options in [("WebP q75", {"format": "webp", "quality": 75}), ("JPEG q80", {"format": "jpeg", "quality": 80})]:
        batch(files[:2], 2, **options)  # warm up
        times = {t: statistics.median(batch(files, t, **options) for _ in range(rounds)) for t in (1, 2)}
        print(f"{name}: 1 thread {times[1]:.2f} s, 2 threads {times[2]:.2f} s, speed-up {times[1] / times[2]:.2f}×")


if __name__ == "__main__":
    main()

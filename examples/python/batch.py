"""Compress every image in a folder, in parallel, and print the bytes saved.

    python examples/python/batch.py PHOTOS_DIR OUT_DIR [--format webp] [--quality 75]
        [--max-width 2560] [--threads N]

imagemint releases the GIL while it works, so plain threads use every core. Shows a
progress bar if tqdm is installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import imagemint

IMAGES = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".bmp", ".tif", ".tiff"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--format", default="webp", choices=["jpeg", "png", "webp", "avif", "same"])
    parser.add_argument("--quality", type=int, default=75)
    parser.add_argument("--max-width", type=int, default=2560)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    files = sorted(p for p in args.input.iterdir() if p.suffix.lower() in IMAGES)
    if not files:
        print(f"no images in {args.input}", file=sys.stderr)
        return 1
    if args.output.resolve() == args.input.resolve():
        print("the output folder must not be the input folder", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    # photo.png and photo.gif would both become photo.webp: such files keep their
    # extension in the new name (photo.png.webp).
    stems = [f.stem for f in files]
    names = {f: f.stem if stems.count(f.stem) == 1 else f.name for f in files}
    # One Options for every file: checked once, shared by the threads.
    options = imagemint.Options(format=args.format, quality=args.quality, resize=(args.max_width, None))

    def compress(path: Path) -> tuple[Path, int, int]:
        out = imagemint.process(path, options)
        target = args.output / f"{names[path]}.{out.format}"
        out.save(target)
        return target, out.report["input_bytes"], out.report["output_bytes"]

    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    progress = tqdm(total=len(files), unit="image") if tqdm else None

    before = after = failed = 0
    with ThreadPoolExecutor(args.threads) as pool:
        futures = {pool.submit(compress, f): f for f in files}
        for future in as_completed(futures):
            try:
                target, size_in, size_out = future.result()
            except (imagemint.ImageMintError, OSError) as e:
                failed += 1
                print(f"{futures[future]}: {e}", file=sys.stderr)
            else:
                before += size_in
                after += size_out
                if not progress:
                    print(f"{futures[future].name} → {target.name}: {size_in:,} → {size_out:,} bytes")
            if progress:
                progress.update()
    if progress:
        progress.close()
    done = len(files) - failed
    print(
        f"{done} of {len(files)} images: {before:,} → {after:,} bytes, "
        f"{before - after:,} bytes saved ({(1 - after / max(before, 1)) * 100:.1f}%)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

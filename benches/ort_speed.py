#!/usr/bin/env python3
"""ONNX Runtime's inference time on the same model, the reference for benches/mask_speed.rs.

    python3 benches/ort_speed.py [MODEL] [THREADS ...]

Runs the model's own input size (1024² for IS-Net) on a fixed random input, one warm-up
and five timed runs per thread count, and prints the median. Needs
`pip install onnxruntime numpy`.
"""
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    default = os.path.expanduser("~/.cache/imagemint/models/isnet-fp16.onnx")
    model = sys.argv[1] if len(sys.argv) > 1 else default
    threads = [int(t) for t in sys.argv[2:]] or [1, 2]
    print(f"onnxruntime {ort.__version__}, {model}")
    for n in threads:
        options = ort.SessionOptions()
        options.intra_op_num_threads = n
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        (inp,) = session.get_inputs()
        # A symbolic batch is 1; symbolic sides get IS-Net's 1024.
        shape = [d if isinstance(d, int) else (1 if i == 0 else 1024) for i, d in enumerate(inp.shape)]
        x = np.random.default_rng(0).random(shape, dtype=np.float32) - 0.5
        output = session.get_outputs()[0].name
        session.run([output], {inp.name: x})
        times = []
        for _ in range(5):
            start = time.perf_counter()
            session.run([output], {inp.name: x})
            times.append(time.perf_counter() - start)
        side = "×".join(str(d) for d in shape[2:])
        print(f"{side}, {n} thread(s): median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()

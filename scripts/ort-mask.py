#!/usr/bin/env python3
"""Runs an ONNX model with ONNX Runtime on a raw float32 NCHW tensor and writes one output,
raw float32. The independent reference that tests/mask.rs compares tract against.

    ort-mask.py MODEL INPUT.f32 WIDTH HEIGHT OUTPUT.f32 [OUTPUT_INDEX] [THREADS]

Needs `pip install onnxruntime numpy` (scripts/test.sh installs them).
"""
import sys

import numpy as np
import onnxruntime as ort


def main() -> None:
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    model, tensor, width, height, out = sys.argv[1:6]
    index = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    threads = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    x = np.fromfile(tensor, dtype="<f4").reshape(1, 3, int(height), int(width))
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    name = session.get_outputs()[index].name
    (y,) = session.run([name], {session.get_inputs()[0].name: x})
    y.astype("<f4").tofile(out)


if __name__ == "__main__":
    main()

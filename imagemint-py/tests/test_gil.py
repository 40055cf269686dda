"""The GIL is released while core works: another Python thread keeps running."""

from __future__ import annotations

import threading
import time

from conftest import fixture

import imagemint

SAMPLES = 20


def test_other_threads_run_during_a_call() -> None:
    """While one thread is inside a long `process` call, this thread must get to run
    Python code many times. If the call held the GIL, this thread could run only in the
    moment between `in_call` being set and the call starting, not `SAMPLES` times with
    sleeps in between, each of which hands the GIL back to the worker."""
    data = fixture("chelsea.png")
    in_call = threading.Event()
    done = threading.Event()
    result: list[imagemint.Result] = []

    def work() -> None:
        in_call.set()
        # An enlarged AVIF at high effort: about a second of core work in one call.
        result.append(imagemint.process(data, format="avif", effort=8, resize=(1200, None), enlarge=True))
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    in_call.wait()
    seen = 0
    while seen < SAMPLES and not done.is_set():
        seen += 1
        time.sleep(0.005)
    finished_first = done.is_set()
    worker.join()
    assert result and result[0].width == 1200
    assert not finished_first, f"the call ended after this thread ran {seen} times"
    assert seen == SAMPLES

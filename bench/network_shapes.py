"""Resident memory while tiny networks of distinct shapes train in one process (issue 11).

Usage: python -m bench.network_shapes [N] [unbounded]

Each shape is a one-epoch ``train_setup`` on 40 moons samples with its own hidden widths
(and a batch size out of four), so every run compiles its own kernels, as distinct train
jobs do on a server. RSS is read every 50 shapes after handing freed heap back
(``warmup.release_freed_memory``), and when a generation of kernels begins (its low: how
much the cleared generations left behind). "unbounded" lifts the kernels' capacity, which
is the code before ``nets.kernel_cache``: every executable kept for the process's life.
A bounded run of 1,000 shapes or more replaces its section of docs/BENCHMARKS.md.
"""

import itertools
import sys
import time
from collections.abc import Iterator

from bench.load_report import write_section
from bench.server import resident_mb
from descentlab.core.experiments.train import NetworkSetup, train_setup
from descentlab.core.nets import kernel_cache
from descentlab.core.warmup import release_freed_memory

REPORT_EVERY = 50
BEGIN = "<!-- network-shapes:begin (written by python -m bench.network_shapes 1000) -->"
END = "<!-- network-shapes:end -->"
BATCH_SIZES = (4, 8, 16, 32)


def rss_mb() -> float:
    return resident_mb()


def shapes() -> Iterator[NetworkSetup]:
    """Distinct setups: two hidden widths out of 40 × 25 (1,000), then a third layer."""
    for index in itertools.count():
        widths = (1 + index % 40, 1 + (index // 40) % 25, *(index // 1000,) * (index >= 1000))
        batch_size = BATCH_SIZES[index % len(BATCH_SIZES)]
        yield NetworkSetup(n_samples=40, epochs=1, widths=widths, batch_size=batch_size)


def memory_maps() -> int:
    """Mappings the process holds: an executable takes dozens, and Linux allows 65,530."""
    with open("/proc/self/maps") as maps:
        return sum(1 for _ in maps)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    if "unbounded" in sys.argv[2:]:
        kernel_cache.KERNELS.capacity = sys.maxsize
    kernels = kernel_cache.KERNELS
    release_freed_memory()
    start, began = rss_mb(), time.perf_counter()
    capacity = "unbounded" if kernels.capacity == sys.maxsize else kernels.capacity
    print(f"start: {start:.0f} MB, capacity {capacity} executables", flush=True)
    generations, floor = 0, start
    lines = [f"start: {start:.0f} MB, capacity {capacity} executables"]
    for done, setup in enumerate(itertools.islice(shapes(), count), start=1):
        train_setup(setup)
        if kernels.generations != generations:  # a generation just began: RSS at its low
            generations = kernels.generations
            release_freed_memory()
            floor = rss_mb()
        if done % REPORT_EVERY == 0 or done == count:
            release_freed_memory()
            rss = rss_mb()
            lines.append(
                f"{done:5d} shapes: {rss:6.0f} MB (+{rss - start:.0f}) holding "
                f"{kernels.executables()} executables, {memory_maps()} maps; "
                f"{generations} generations, the last began at +{floor - start:.0f} MB; "
                f"{(time.perf_counter() - began) / done:.2f} s a shape"
            )
            print(lines[-1], flush=True)
    if count >= 1000 and capacity != "unbounded":
        every = [lines[0], *(line for line in lines[1:] if int(line.split()[0]) % 100 == 0)]
        section = "\n".join(
            [
                BEGIN,
                f"{count:,} distinct network shapes trained one after another in one process "
                "(each a one-epoch `train` on 40 moons samples with its own widths and batch "
                "size, so each compiles its own kernels, as distinct jobs do on a server); "
                "network kernels are kept in generations of at most "
                f"{kernels.capacity} executables (`core/nets/kernel_cache.py`). Resident "
                "memory after handing freed heap back (`python -m bench.network_shapes "
                f"{count}`):",
                "",
                "```",
                *every,
                "```",
                END,
            ]
        )
        write_section(section, BEGIN, END)


if __name__ == "__main__":
    main()

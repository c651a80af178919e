"""`make bench`: run every benchmark (or those named on the command line) in one process order."""

import importlib
import sys
import time

# Order matters little; cheap ones first so a failure shows early.
BENCHMARKS = ["store_compare", "store_remote", "server_load", "search_quality", "search_speed", "duplicates_quality",
              "overlap_quality", "duplicates_speed", "lineage_quality"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as err:  # a broken benchmark must not hide the others
            failed.append(name)
            print(f"FEIL i {name}: {err!r}", flush=True)
        print(f"({name}: {time.perf_counter() - start:.1f} s)", flush=True)
    if failed:
        print(f"\nFeilet: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

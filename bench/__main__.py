"""`python -m bench`: the benchmark of bench/run.py (see there, or `python -m bench --help`)."""

from bench.run import main

main()

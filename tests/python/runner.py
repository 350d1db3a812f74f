"""Runs tests/python/test_*.py with unittest; prints the suite's count
line "python: N passed, N failed" last (HS_SUITE names it otherwise:
tests/python/matrix.sh runs it once per Python version and walker) and
exits 1 on any failure."""
import os
import sys
import unittest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    loader = unittest.TestLoader()
    if len(sys.argv) > 1:
        suite = loader.loadTestsFromNames(sys.argv[1:])
    else:
        suite = loader.discover(here, pattern="test_*.py", top_level_dir=here)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%s: %d passed, %d failed" % (os.environ.get("HS_SUITE") or "python",
                                        passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The test suite, one folder per layer of the package (see support/ for what folders share)."""

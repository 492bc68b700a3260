"""Helpers the tests, the benchmarks and the docs tour share, one module per kind of help;
fixtures are in tests/conftest.py."""

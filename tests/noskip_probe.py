"""Probe for tests/pytest_noskip.py (ctest entry analysis.noskip): run with
TW_NO_SKIP=1 this skip must be reported as a failure naming its reason."""
import pytest


def test_probe_skip():
    pytest.skip("probe: a skip the full suite must not allow")

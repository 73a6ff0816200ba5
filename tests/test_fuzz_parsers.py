"""The fuzz property on every reader of vendor answers and on the config loader (tests/fuzzgen.py explains
the bodies and how to add a parser; tests/fuzz_targets.py lists the targets)."""

from __future__ import annotations

import pytest
from fuzz_targets import TARGETS
from fuzzgen import DrawChooser, ParserTarget, check_target, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name.replace(" ", "-"))
@fuzz_settings()
@given(data=st.data())
def test_returns_normalised_data_or_the_documented_error(target: ParserTarget, data) -> None:
    ch = DrawChooser(data)
    check_target(target, target.body(ch, target.valid_doc))

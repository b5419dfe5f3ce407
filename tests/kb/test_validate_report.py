"""The validation report as printed: one line per violation, each bounded, none printed twice."""

from __future__ import annotations

import pytest

from rcpkg.files import LONGEST_QUOTED, shorten
from rcpkg.validate import Report, Violation


def _violation(value: str = "42", message: str = "differs from the declared total") -> Violation:
    return Violation("rcp-id:process/igc", "rcp:declaredMemberCount", message, "Violation", value=value)


def test_a_violation_given_twice_is_printed_once():
    report = Report(False, [_violation(), _violation(), _violation(value="43")])
    lines = report.text().splitlines()[1:]
    assert len(lines) == 2 and lines[0] != lines[1]


@pytest.mark.parametrize("field", ["value", "message"])
def test_a_long_value_or_message_is_cut_in_the_middle(field):
    long = "start " + "x" * 100_000 + " end"
    line = str(_violation(**{field: long}))
    assert len(line) < 2 * LONGEST_QUOTED and "start" in line and "end" in line and " ... " in line


@pytest.mark.parametrize("length", [0, 1, LONGEST_QUOTED - 1, LONGEST_QUOTED])
def test_a_text_within_the_bound_is_kept_whole(length):
    assert shorten("y" * length) == "y" * length


def test_a_text_over_the_bound_is_at_most_the_bound():
    assert len(shorten("z" * (LONGEST_QUOTED + 1))) <= LONGEST_QUOTED

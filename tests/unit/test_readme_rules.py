"""The README's rule table is RULES: the same rows, in the same order, with the same conditions;
docs/design.md's shorter table has the same rows in the same order."""

from __future__ import annotations

from pathlib import Path

from pipshim.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DESIGN = ROOT / "docs" / "design.md"


def table_rows(path: Path = README, heading: str = "## What happens to a `pip` call") -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| ") and len(cells) == 3 and cells[0].isdigit():
            rows.append((cells[0], cells[1]))
    return rows


def test_the_readme_table_lists_the_rules_in_order_with_their_conditions():
    assert table_rows() == [(rule.number, rule.when) for rule in RULES]


def test_the_design_docs_table_has_the_rules_rows_in_order():
    rows = table_rows(DESIGN, "## The rules")
    assert [number for number, _ in rows] == [rule.number for rule in RULES]


def test_rule_numbers_never_go_down():
    numbers = [int(rule.number) for rule in RULES]
    assert numbers == sorted(numbers)


def test_the_last_rule_always_answers():
    from .factories import make_facts

    assert RULES[-1].check(make_facts()) is not None

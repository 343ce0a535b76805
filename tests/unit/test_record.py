"""pipshim.record: the frozen value classes the decision is built from behave as dataclasses'."""

from __future__ import annotations

import pytest

from pipshim.record import Factory, FrozenInstanceError, Named, Record, fields, replace


class Point(Record):
    x: int
    y: int = 0
    tags: dict = Factory(dict)
    kind = "point"  # not annotated: a class attribute, not a field

    @property
    def total(self) -> int:
        return self.x + self.y


class Other(Record):
    x: int
    y: int = 0
    tags: dict = Factory(dict)


def test_fields_come_from_the_annotations_in_order():
    assert fields(Point) == ("x", "y", "tags")
    assert Point.kind == "point" and Point(1).kind == "point"


def test_init_by_position_or_keyword_with_defaults():
    p = Point(1, tags={"a": 1})
    assert (p.x, p.y, p.tags, p.total) == (1, 0, {"a": 1}, 1)
    assert Point(y=2, x=1) == Point(1, 2)


def test_each_instance_gets_a_fresh_factory_default():
    a, b = Point(1), Point(1)
    assert a.tags == {} and a.tags is not b.tags


@pytest.mark.parametrize(
    "args,kwargs",
    [((), {}), ((1, 2, {}, 4), {}), ((1,), {"x": 2}), ((1,), {"z": 3})],
    ids=["missing", "too-many", "twice", "unknown"],
)
def test_wrong_arguments_are_type_errors(args, kwargs):
    with pytest.raises(TypeError):
        Point(*args, **kwargs)


def test_frozen():
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2
    with pytest.raises(AttributeError):
        del p.y
    assert p.x == 1


def test_equality_needs_the_same_class_and_values():
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != Other(1, 2)  # the same values in another class are another value
    assert Point(1, 2) != (1, 2, {})
    assert hash(Other(1, 2, ())) == hash(Other(1, 2, ()))
    assert len({Other(1, 2, ()), Other(1, 2, ()), Other(2, 2, ())}) == 2


def test_replace_copies_with_changes():
    p = Point(1, 2, {"a": 1})
    q = replace(p, y=5)
    assert (q.x, q.y, q.tags) == (1, 5, {"a": 1}) and p.y == 2
    with pytest.raises(TypeError):
        replace(p, z=1)


def test_repr_names_the_fields():
    assert repr(Point(1)) == "Point(x=1, y=0, tags={})"


class Color(metaclass=Named):
    RED = "red"
    DARK_BLUE = "dark blue"
    shade = "not a member"  # lower case: a plain class attribute

    @property
    def loud(self) -> str:
        return self.value.upper()


def test_named_members_are_instances_in_order_as_enums_are():
    assert list(Color) == [Color.RED, Color.DARK_BLUE] and len(Color) == 2
    assert isinstance(Color.RED, Color) and Color.shade == "not a member"
    blue = Color.DARK_BLUE
    assert (blue.name, blue.value, blue.loud) == ("DARK_BLUE", "dark blue", "DARK BLUE")
    assert Color.RED is Color.RED and Color.RED != Color.DARK_BLUE and {Color.RED: 1}[Color.RED] == 1
    assert repr(Color.DARK_BLUE) == "<Color.DARK_BLUE: 'dark blue'>" and str(Color.RED) == "Color.RED"

"""Frozen value classes, made cheaply: what ``@dataclass(frozen=True)`` gives, without its cost.

The pip shim imports the decision modules on every pip call (boot.py), and they hold about
twenty value classes. dataclasses builds each by generating source and exec-ing it, about
1 ms per class here: most of what pipshim added to a ``pip --version`` (``make bench``).
A subclass of ``Record`` gets the same behaviour from the functions its base holds (a
decorator setting them on each class cost a sixth of making the class):

- fields: the class's own annotations, in order; a class attribute of the same name is the
  default, ``Factory(callable)`` a fresh one per instance (dataclasses' default_factory);
- ``__init__`` by position or keyword, ``==`` (same class, same values), ``hash``, ``repr``;
- instances are frozen: setting or deleting an attribute raises FrozenInstanceError;
- ``replace(obj, **changes)`` and ``fields(cls)`` as in dataclasses.

``Named`` does the same for the part of ``enum.Enum`` pipshim uses (discovery's Source and
State): an Enum class costs several times what a plain class does to make.
"""

from __future__ import annotations

# for annotations only: the decision modules load on every pip call, and typing costs about 5 ms
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    R = TypeVar("R", bound="Record")

_MISSING = object()


class FrozenInstanceError(AttributeError):
    pass


class Factory:
    """A default made afresh for each instance (``Factory(dict)``)."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


def fields(cls_or_obj: type[Record] | Record) -> tuple[str, ...]:
    return cls_or_obj._record_fields


def replace(obj: R, **changes: object) -> R:
    """A copy of ``obj`` with ``changes`` (field name -> value)."""
    names = obj._record_fields
    unknown = set(changes).difference(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {', '.join(sorted(unknown))}")
    return type(obj)(*(changes[n] if n in changes else getattr(obj, n) for n in names))


def _values(self) -> tuple:
    return tuple(getattr(self, n) for n in self._record_fields)


def _init(self, *args, **kwargs) -> None:
    cls = type(self)
    names = cls._record_fields
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__}() takes {len(names)} arguments but {len(args)} were given")
    put = object.__setattr__
    for name, value in zip(names, args):
        put(self, name, value)
    for name in names[len(args) :]:
        if name in kwargs:
            value = kwargs.pop(name)
        else:
            value = cls._record_defaults.get(name, _MISSING)
            if value is _MISSING:
                raise TypeError(f"{cls.__name__}() missing argument {name!r}")
            if type(value) is Factory:
                value = value.make()
        put(self, name, value)
    if kwargs:  # unknown names, or a field given both by position and by name
        raise TypeError(f"{cls.__name__}() got unexpected arguments: {', '.join(kwargs)}")


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self) -> int:
    return hash(_values(self))


def _repr(self) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._record_fields)
    return f"{type(self).__qualname__}({inner})"


def _frozen(self, name, value=None):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


class Record:
    """The base of a frozen value class (see the module's text)."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # the attribute, not the class __dict__: Python 3.14 makes annotations on first access
        annotations = getattr(cls, "__annotations__", {})
        names = tuple(n for n, kind in annotations.items() if not str(kind).startswith(("ClassVar", "typing.ClassVar")))
        namespace = cls.__dict__
        defaults = {n: namespace[n] for n in names if n in namespace}
        for name, value in defaults.items():
            if type(value) is Factory:
                delattr(cls, name)
        cls._record_fields = names
        cls._record_defaults = defaults

    __init__ = _init
    __eq__ = _eq
    __hash__ = _hash
    __repr__ = _repr
    __setattr__ = _frozen
    __delattr__ = _frozen


class Named(type):
    """The metaclass of a fixed set of named values, as ``enum.Enum`` gives them: each UPPER_CASE
    attribute of the class becomes an instance of it, with that ``name`` and ``value``, compared
    by identity; iterating the class (or ``len``) gives the members in the order written."""

    def __init__(cls, name, bases, namespace) -> None:
        super().__init__(name, bases, namespace)
        members = []
        for key, value in namespace.items():
            if key.isupper():
                member = object.__new__(cls)
                member.name, member.value = key, value
                setattr(cls, key, member)
                members.append(member)
        cls._members = tuple(members)
        cls.__repr__ = _member_repr
        cls.__str__ = _member_str

    def __iter__(cls):
        return iter(cls._members)

    def __len__(cls) -> int:
        return len(cls._members)


def _member_repr(self) -> str:
    return f"<{type(self).__name__}.{self.name}: {self.value!r}>"


def _member_str(self) -> str:
    return f"{type(self).__name__}.{self.name}"

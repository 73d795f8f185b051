"""Configuration spaces of a tunable template (TVM's `autotvm.task.space`).

A template declares its knobs on a config object `cfg` (`define_split`, `define_reorder`,
`define_annotate`, `define_knob`) and reads them back (`cfg["tile_x"].apply(s, stage, axis)`,
`cfg["nthread"].val`). The same template code runs against three kinds of `cfg`:

* `ConfigSpace` (collect mode, when a task is created): each `define_*` records the knob's
  space; `cfg[name]` is the space's first entity so the template can run through.
* `ConfigEntity` (one point of the space, when a candidate is built): `define_*` only
  returns placeholders; `cfg[name]` is the chosen entity.
* `FallbackConfigEntity` (no tuned config known): collects like a space and keeps every
  knob's first entity, or whatever `fallback_split` / `__setitem__` set.

A point of the space is one integer, mixed-radix over the knobs in definition order, the
first knob varying fastest (TVM's order, so indices in TVM logs mean the same here).
"""
from __future__ import annotations

import math
from collections import OrderedDict, namedtuple

import numpy as np

from ...tir.expr import IntImm, IterVar
from .knobs import (KIND_BY_ENTITY, KIND_BY_TAG, AnnotateSpace, KnobDefinitionError,
                    OtherOptionEntity, OtherOptionSpace, ReorderSpace, SplitEntity, SplitSpace,
                    get_factors)

Axis = namedtuple("Axis", ["space", "index"])


class VirtualAxis:
    """An axis a template names before any tensor exists (`cfg.axis(extent)`): its
    `length`, and an identity that define_reorder's candidates refer to."""

    def __init__(self, length, name="axis"):
        self.length, self.name = _axis_length(name, length), name

    def __repr__(self):
        return f"VirtualAxis({self.name}, {self.length})"


class InstantiationError(ValueError):
    """A config cannot be instantiated (raised through `cfg.raise_error` or a static check)."""


class ConfigIndexError(IndexError):
    """An index outside a config space."""


def _axis_length(name, axis):
    if isinstance(axis, VirtualAxis):
        return axis.length
    if isinstance(axis, bool):
        raise KnobDefinitionError(f"knob {name!r}: axis must be an IterVar or an int, "
                                  f"not {axis!r}")
    if isinstance(axis, int):
        return axis
    if isinstance(axis, IterVar) and axis.dom is not None and isinstance(axis.dom.extent,
                                                                          IntImm):
        return axis.dom.extent.value
    raise KnobDefinitionError(f"knob {name!r}: axis {axis!r} has no constant extent; pass an "
                              "IterVar with a constant domain or an int")


class ConfigSpace:
    """The space of a template's knobs (collect mode); see the module docstring."""

    def __init__(self):
        self.space_map = OrderedDict()
        self._entity_map = OrderedDict()
        self._collect = True
        self.is_fallback = False
        self.errors = []
        self.code_hash = None
        self.flop = 0
        self.cost = None

    # ---- defining knobs (what templates call) ----
    def define_split(self, name, axis, policy="factors", **kwargs):
        """Knob `name`: ways to split `axis` (an IterVar or an extent) into
        `num_outputs` axes; policies "factors", "power2", "verbose", "candidate"."""
        num = kwargs.get("num_outputs")
        return self._add(name, num, lambda: SplitSpace(name, _axis_length(name, axis), policy,
                                                       **kwargs))

    def define_reorder(self, name, axes, policy, **kwargs):
        """Knob `name`: orders of `axes`; policies "identity", "all", "candidate"."""
        return self._add(name, len(axes), lambda: ReorderSpace(name, list(axes), policy,
                                                               **kwargs))

    def define_annotate(self, name, axes, policy, **kwargs):
        """Knob `name`: annotations of `axes` (unroll, vectorize); policies such as
        "try_unroll", "try_unroll_vec" (see knobs.AnnotateSpace)."""
        return self._add(name, len(axes), lambda: AnnotateSpace(name, len(axes), policy))

    def define_knob(self, name, candidate):
        """Knob `name`: one of the listed candidate values (read back as `cfg[name].val`)."""
        self._add(name, 0, lambda: OtherOptionSpace(name, candidate))

    def _add(self, name, num_outputs, make_space):
        if self._collect and not (self.is_fallback and name in self._entity_map):
            if name in self.space_map:
                raise KnobDefinitionError(f"knob {name!r} is defined twice in one template")
            space = make_space()
            self.space_map[name] = space
            self._entity_map[name] = space[0]
            return [Axis(space, k) for k in range(space.num_output)]
        return [Axis(None, k) for k in range(num_outputs or 0)]

    @staticmethod
    def axis(var):
        """A VirtualAxis of extent `var` (an int or an IterVar)."""
        return VirtualAxis(var)

    reduce_axis = axis

    def add_flop(self, flop):
        """Add `flop` operations to the task's operation count."""
        self.flop += float(flop.value if isinstance(flop, IntImm) else flop)

    def raise_error(self, msg):
        """Record that this config is invalid (checked by `valid()` after instantiation)."""
        self.errors.append(msg)

    def valid(self):
        return not self.errors

    # ---- the space as a whole (what tuners call) ----
    @property
    def dims(self):
        """Number of entities of each knob, in definition order."""
        return [len(space) for space in self.space_map.values()]

    @property
    def range_length(self):
        return math.prod(self.dims)

    def __len__(self):
        return self.range_length

    def is_index_valid(self, index):
        return 0 <= index < self.range_length

    def point2knob(self, point):
        """The per-knob entity indices of point `point`."""
        knob = []
        for dim in self.dims:
            knob.append(point % dim)
            point //= dim
        return knob

    def knob2point(self, knob):
        """The point of per-knob entity indices `knob`."""
        point, stride = 0, 1
        for k, dim in zip(knob, self.dims):
            point += k * stride
            stride *= dim
        return point

    def get(self, index):
        """The ConfigEntity at `index`."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not self.is_index_valid(index):
            raise ConfigIndexError(f"config index {index!r} is outside the space of "
                                   f"{self.range_length} configs")
        entities = OrderedDict((name, space[k]) for (name, space), k in
                               zip(self.space_map.items(), self.point2knob(int(index))))
        return ConfigEntity(int(index), self.code_hash, entities)

    def sample_ints(self, m, rng=np.random):
        """`m` distinct indices drawn from the space with `rng` (numpy's global one by
        default, so `np.random.seed` makes it repeatable)."""
        if m > len(self):
            raise ConfigIndexError(f"cannot sample {m} distinct configs from a space of "
                                   f"{len(self)}")
        seen = OrderedDict()
        while len(seen) < m:
            seen[int(rng.randint(0, self.range_length))] = None
        return np.fromiter(seen, dtype=np.int64, count=m)

    def random_walk(self, point, rng=np.random):
        """A neighbour of `point`: one knob changed to another of its values."""
        knob = self.point2knob(point)
        movable = [k for k, dim in enumerate(self.dims) if dim > 1]
        if not movable:
            return point
        k = movable[rng.randint(len(movable))]
        knob[k] = (knob[k] + 1 + rng.randint(self.dims[k] - 1)) % self.dims[k]
        return self.knob2point(knob)

    def __iter__(self):
        return iter(self._entity_map)

    def __getitem__(self, name):
        try:
            return self._entity_map[name]
        except KeyError:
            raise KnobDefinitionError(f"knob {name!r} is not defined; defined knobs: "
                                      f"{', '.join(self._entity_map) or 'none'}") from None

    def __repr__(self):
        rows = "".join(f"  {k:2d} {name}: {space}\n"
                       for k, (name, space) in enumerate(self.space_map.items()))
        return f"ConfigSpace (len={len(self)}, space_map=\n{rows})"


def _extent(size):
    """The extent a split of `size` covers, its -1 (the rest) left out."""
    return math.prod(k for k in size if k > 0)


class ConfigEntity(ConfigSpace):
    """One point of a config space: an entity per knob, and its `index`."""

    def __init__(self, index, code_hash, entity_map, constraints=None):
        super().__init__()
        self.index = index
        self.code_hash = code_hash
        self._entity_map = OrderedDict(entity_map)
        self._collect = False

    def get_flatten_feature(self):
        """The entities as one float vector (split sizes, permutations, annotations one-hot,
        knob values)."""
        values = []
        for entity in self._entity_map.values():
            values.extend(KIND_BY_ENTITY[type(entity)].feature(entity))
        return np.array(values, dtype=np.float32)

    def get_other_option(self):
        return {name: e.val for name, e in self._entity_map.items()
                if isinstance(e, OtherOptionEntity)}

    def to_json_dict(self):
        """TVM's record form: {"index", "code_hash", "entity": [[name, tag, value], ...]}."""
        entity = [[name, KIND_BY_ENTITY[type(e)].tag, KIND_BY_ENTITY[type(e)].encode(e)]
                  for name, e in self._entity_map.items()]
        return {"index": int(self.index), "code_hash": self.code_hash, "entity": entity}

    @staticmethod
    def from_json_dict(json_dict):
        """The ConfigEntity of a record's "config" part."""
        entities = OrderedDict()
        for name, tag, value in json_dict["entity"]:
            if tag not in KIND_BY_TAG:
                raise InstantiationError(f"config knob {name!r} has unknown kind {tag!r}; "
                                         f"kinds are {', '.join(KIND_BY_TAG)}")
            entities[str(name)] = KIND_BY_TAG[tag].entity(value)
        return ConfigEntity(json_dict["index"], json_dict.get("code_hash"), entities)

    def __eq__(self, other):
        return isinstance(other, ConfigEntity) and self._entity_map == other._entity_map

    def __hash__(self):
        return hash(tuple(self._entity_map.items()))

    def __repr__(self):
        items = ", ".join(f"('{n}', {e!r})" for n, e in self._entity_map.items())
        return f"[{items}],{self.code_hash},{self.index}"


class FallbackConfigEntity(ConfigSpace):
    """The config used when no tuned one is known: every knob's first entity (a split of
    `[-1, 1, ...]`: inner axes of extent 1), unless `fallback_split` or `cfg[name] = entity`
    set another."""

    def __init__(self):
        super().__init__()
        self.is_fallback = True

    def fallback_split(self, name, constraints):
        """Set split knob `name` to the largest divisors not above `constraints` (one per
        output axis, innermost chosen first; -1 means no limit)."""
        space = self.space_map.get(name)
        if not isinstance(space, SplitSpace) or len(constraints) != space.num_output:
            raise KnobDefinitionError(f"fallback_split {name!r}: needs a split knob and one "
                                      f"constraint per output axis, got {constraints!r}")
        remaining, size = space.product, [0] * space.num_output
        for k in reversed(range(space.num_output)):
            limit = math.inf if constraints[k] == -1 else constraints[k]
            size[k] = max(f for f in get_factors(remaining) if f <= limit)
            remaining //= size[k]
        self._entity_map[name] = SplitEntity(size)

    def fallback_with_reference_log(self, ref_log):
        """Take the knobs of the config in `ref_log` ((MeasureInput, MeasureResult) pairs)
        whose split extents share the most divisors with this space's: split knobs as
        constraints (`fallback_split`), the others as they are (TVM's rule)."""
        splits = [n for n, space in self.space_map.items() if isinstance(space, SplitSpace)]
        mine = [set(get_factors(self.space_map[n].product)) for n in splits]
        best, best_score = None, 0.0
        for inp, _ in ref_log:
            score = sum(len(factors & set(get_factors(_extent(inp.config[n].size))))
                        / len(factors) for n, factors in zip(splits, mine))
            if score > best_score:
                best, best_score = inp.config, score
        if best is None:
            return
        for name in self.space_map:
            if name in splits:
                self.fallback_split(name, [-1] + list(best[name].size[1:]))
            else:
                self._entity_map[name] = best[name]

    def __setitem__(self, name, entity):
        self._entity_map[name] = entity

    def __repr__(self):
        items = ", ".join(f"('{n}', {e!r})" for n, e in self._entity_map.items())
        return f"[{items}],{self.code_hash}"

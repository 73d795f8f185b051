"""The kinds of tunable knob a template defines (TVM's transform spaces), as data.

A knob is a space of entities (candidate values) of one kind. Each kind has a two-letter tag
that TVM's log records use ("sp" split, "re" reorder, "an" annotate, "ot" other option), an
entity class
holding one candidate, and the list that encodes an entity in a record or a feature vector.
`KNOB_KINDS` is the one table the config space, the log records and the tuners read.

Where it sits: `space.ConfigSpace.define_*` build the spaces below while a template runs in
collect mode; `ConfigEntity` holds one entity per knob; `record` encodes them by `KNOB_KINDS`.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable


class KnobDefinitionError(ValueError):
    """A template defines a knob with an illegal policy or argument."""


def get_factors(n):
    """Every divisor of `n`, ascending."""
    small = [i for i in range(1, math.isqrt(n) + 1) if n % i == 0]
    return sorted(set(small + [n // i for i in small]))


def get_pow2s(n):
    """Every power of two not above `n`, ascending."""
    return [1 << k for k in range(n.bit_length())]


class SplitEntity:
    """One way to split an axis: `size` lists the extent of each resulting axis, outermost
    first; the outermost may be -1 (whatever remains)."""

    def __init__(self, size):
        self.size = list(size)

    def apply(self, sch, op, axis):
        """Split `axis` of stage `op` in `sch` into len(size) axes; returns them outermost
        first."""
        axes = []
        for k in range(1, len(self.size)):
            outer, axis = sch[op].split(axis, factor=math.prod(self.size[k:]))
            axes.append(outer)
        return axes + [axis]

    def __eq__(self, other):
        return isinstance(other, SplitEntity) and self.size == other.size

    def __hash__(self):
        return hash(tuple(self.size))

    def __repr__(self):
        return str(self.size)


class ReorderEntity:
    """One order of a list of axes: `perm[k]` is the position (in the defining list) of the
    k-th axis of the new order."""

    def __init__(self, perm):
        self.perm = list(perm)

    def apply(self, sch, op, axes):
        """Reorder `axes` of stage `op`; returns the axes in their new order."""
        order = [axes[k] for k in self.perm if k < len(axes)]
        sch[op].reorder(*order)
        return order

    def __eq__(self, other):
        return isinstance(other, ReorderEntity) and self.perm == other.perm

    def __hash__(self):
        return hash(tuple(self.perm))

    def __repr__(self):
        return str(self.perm)


class AnnotateEntity:
    """One annotation per axis of a list: "none", "unroll" or "vec" (vectorize)."""

    def __init__(self, anns):
        self.anns = list(anns)

    def apply(self, sch, op, axes, axis_lens=None, max_unroll=None, vec_size=None, cfg=None):
        """Annotate `axes` of stage `op`. With `max_unroll` (and `axis_lens`), unrolling a
        longer axis, and with `vec_size`, vectorizing an axis whose length is not listed,
        makes the config invalid (`cfg.raise_error`), as TVM's does; returns `axes`."""
        for k, ann in enumerate(self.anns):
            if ann == "unroll":
                if max_unroll and axis_lens[k] > max_unroll:
                    cfg.raise_error(f"axis {k} of {axis_lens[k]} iterations is too long to "
                                    f"unroll (at most {max_unroll})")
                sch[op].unroll(axes[k])
            elif ann == "vec":
                if vec_size and axis_lens[k] not in vec_size:
                    cfg.raise_error(f"axis {k} of {axis_lens[k]} iterations cannot be "
                                    f"vectorized: vector lanes are {list(vec_size)}")
                sch[op].vectorize(axes[k])
        return axes

    def __eq__(self, other):
        return isinstance(other, AnnotateEntity) and self.anns == other.anns

    def __hash__(self):
        return hash(tuple(self.anns))

    def __repr__(self):
        return str(self.anns)


class OtherOptionEntity:
    """One candidate value of a `define_knob` knob, as `.val`."""

    def __init__(self, val):
        self.val = val

    def __eq__(self, other):
        return isinstance(other, OtherOptionEntity) and self.val == other.val

    def __hash__(self):
        return hash(repr(self.val))

    def __repr__(self):
        return str(self.val)


class SplitSpace:
    """The ways to split an axis of extent `product` into `num_outputs` axes.

    Policy "factors": every inner extent is a divisor and their product divides the extent;
    "power2": every inner extent is a power of two whose product does not exceed the extent
    (the outermost axis then has a tail); "candidate": the listed sizes."""

    def __init__(self, name, length, policy="factors", num_outputs=None, candidate=None,
                 max_factor=None, filter=None, no_tail=None):  # noqa: A002 - TVM's name
        if not isinstance(num_outputs, int) or isinstance(num_outputs, bool) or num_outputs < 1:
            raise KnobDefinitionError(f"define_split {name!r}: num_outputs must be a positive "
                                      f"integer, not {num_outputs!r}")
        self.name, self.product, self.policy, self.num_output = name, length, policy, num_outputs
        if policy == "candidate":
            entities = [SplitEntity(size) for size in _candidates(name, candidate, num_outputs)]
        else:
            entities = self._generate(policy, max_factor, no_tail)
        self.entities = [e for e in entities if filter is None or filter(e)]
        if not self.entities:
            raise KnobDefinitionError(f"define_split {name!r}: no split of extent "
                                      f"{length} passes the filter")

    def _generate(self, policy, max_factor, no_tail):
        if policy not in ("factors", "power2", "verbose"):
            raise KnobDefinitionError(f"define_split {self.name!r}: unknown policy {policy!r}; "
                                      "policies are 'factors', 'power2', 'verbose', "
                                      "'candidate'")
        factors = set()
        if policy in ("factors", "verbose"):
            factors |= set(get_factors(self.product))
        if policy in ("power2", "verbose"):
            factors |= set(get_pow2s(self.product))
        factors = sorted(f for f in factors if max_factor is None or f <= max_factor)
        no_tail = policy == "factors" if no_tail is None else no_tail
        entities = []
        # Inner sizes vary innermost-slowest, as TVM enumerates them (its index order).
        for inner in itertools.product(factors, repeat=self.num_output - 1):
            prod = math.prod(inner)
            if prod <= self.product and (self.product % prod == 0 or not no_tail):
                entities.append(SplitEntity([-1] + list(inner[::-1])))
        return entities

    def __len__(self):
        return len(self.entities)

    def __getitem__(self, index):
        return self.entities[index]

    def __repr__(self):
        return (f"Split(policy={self.policy}, product={self.product}, "
                f"num_outputs={self.num_output}) len={len(self)}")


def _candidates(name, candidate, num_outputs):
    if not candidate:
        raise KnobDefinitionError(f"define_split {name!r}: policy 'candidate' needs a "
                                  "non-empty candidate list")
    for size in candidate:
        if len(size) != num_outputs:
            raise KnobDefinitionError(f"define_split {name!r}: candidate {list(size)} has "
                                      f"{len(size)} sizes, num_outputs is {num_outputs}")
    return candidate


class ReorderSpace:
    """The orders of `num` axes: "identity", "all" (every permutation) or "candidate"
    (listed permutations, given as lists of the axes themselves)."""

    def __init__(self, name, axes, policy="identity", candidate=None):
        self.name, self.policy, self.num_output = name, policy, len(axes)
        if policy == "identity":
            perms = [range(len(axes))]
        elif policy == "all":
            perms = itertools.permutations(range(len(axes)))
        elif policy == "candidate" and candidate:
            perms = [[_position(name, axes, ax) for ax in order] for order in candidate]
        else:
            raise KnobDefinitionError(f"define_reorder {name!r}: policy {policy!r} is not one "
                                      "of 'identity', 'all', 'candidate' (with candidates)")
        self.entities = [ReorderEntity(p) for p in perms]

    def __len__(self):
        return len(self.entities)

    def __getitem__(self, index):
        return self.entities[index]

    def __repr__(self):
        return f"Reorder(policy={self.policy}) len={len(self)}"


def _position(name, axes, axis):
    for k, candidate in enumerate(axes):
        if candidate is axis:
            return k
    raise KnobDefinitionError(f"define_reorder {name!r}: candidate axis {axis!r} is not one "
                              "of the axes being reordered")


class AnnotateSpace:
    """The annotations of `num` axes. A policy names the annotations every axis may take,
    joined by "_", "try" standing for "none": "try_unroll" (none or unroll),
    "try_unroll_vec", "unroll", "vec"... At most one axis is vectorized. TVM's GPU-binding
    policies ("bind_gpu", ...) are not supported."""

    def __init__(self, name, num, policy):
        options = policy.replace("try", "none").split("_")
        if not options or any(o not in ("none", "unroll", "vec") for o in options):
            raise KnobDefinitionError(f"define_annotate {name!r}: policy {policy!r} is not "
                                      "made of 'try', 'none', 'unroll', 'vec' (e.g. "
                                      "'try_unroll_vec')")
        self.name, self.policy, self.num_output = name, policy, num
        self.entities = [AnnotateEntity(anns) for anns in itertools.product(options, repeat=num)
                         if anns.count("vec") <= 1]

    def __len__(self):
        return len(self.entities)

    def __getitem__(self, index):
        return self.entities[index]

    def __repr__(self):
        return f"Annotate(policy={self.policy}) len={len(self)}"


class OtherOptionSpace:
    """The listed candidate values of a `define_knob` knob."""

    def __init__(self, name, candidate):
        if not isinstance(candidate, (list, tuple)) or not candidate:
            raise KnobDefinitionError(f"define_knob {name!r}: candidates must be a non-empty "
                                      f"list, not {candidate!r}")
        self.name, self.num_output = name, 0
        self.entities = [OtherOptionEntity(v) for v in candidate]

    def __len__(self):
        return len(self.entities)

    def __getitem__(self, index):
        return self.entities[index]

    def __repr__(self):
        return f"OtherOption({self.entities}) len={len(self)}"


@dataclass(frozen=True)
class KnobKind:
    """A knob kind: its record tag, entity class, how an entity becomes a list (in a
    record) and its numbers in a feature vector (`ConfigEntity.get_flatten_feature`)."""
    tag: str
    entity: type
    encode: Callable[[object], object]
    feature: Callable[[object], list]


ANNOTATIONS = ("none", "vec", "unroll")       # TVM's numbering of annotations in features


def _one_hot(anns):
    return [float(ann == option) for ann in anns for option in ANNOTATIONS]


KNOB_KINDS = (
    KnobKind("sp", SplitEntity, lambda e: list(e.size), lambda e: list(e.size)),
    KnobKind("re", ReorderEntity, lambda e: list(e.perm), lambda e: list(e.perm)),
    KnobKind("an", AnnotateEntity, lambda e: list(e.anns), lambda e: _one_hot(e.anns)),
    KnobKind("ot", OtherOptionEntity, lambda e: e.val, lambda e: [e.val]),
)
KIND_BY_TAG = {k.tag: k for k in KNOB_KINDS}
KIND_BY_ENTITY = {k.entity: k for k in KNOB_KINDS}

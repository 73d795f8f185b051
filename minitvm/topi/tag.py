"""Operator tags (TVM's `topi.tag`): the kind of computation a compute op performs.

A TOPI operator (or a user's compute, through `te.tag_scope`) records one of these in
`op.tag`; generic schedules read it to decide what to inline or fuse. A composed tag
puts the generic kind first ("injective,pad"), so the tests below check prefixes.
"""

ELEMWISE = "elemwise"
BROADCAST = "broadcast"
INJECTIVE = "injective"
COMM_REDUCE = "comm_reduce"
COMM_REDUCE_IDX = "comm_reduce_idx"


def is_broadcast(tag):
    """Whether `tag` names an elementwise or broadcasting op (a mapping of axes in order)."""
    return tag.startswith((ELEMWISE, BROADCAST))


def is_injective(tag):
    """Whether `tag` names an op whose every output element reads one element of each
    input (elementwise, broadcast or injective)."""
    return tag.startswith((ELEMWISE, BROADCAST, INJECTIVE))

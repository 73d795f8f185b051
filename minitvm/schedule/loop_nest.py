"""Building a stage's loop nest from its leaf loops and their inferred ranges (TVM's
`MakeLoopNest`, `MakeBoundCheck`, `MergeNest` in `op_utils.cc`).

A nest is a list of levels, level k+1 holding the statements for leaf loop k, outermost
first: a pragma `AttrStmt` (outside the loop), then the `For` (or a `LetStmt var = min`
for an extent-1 loop, a "virtual_thread" `AttrStmt` for a vthread/cthread, a
"thread_extent" `AttrStmt` for a GPU block or thread index), then a
"loop_scope" marker where compute_at stages are injected. Every statement is a template
with an empty body that `merge_nest` fills, innermost first.
"""
from __future__ import annotations

from dataclasses import replace

from ..arith.scratch import scratch_analyzer
from ..arith.int_set import RangeSets, eval_set
from ..tir import op as _op
from ..tir.expr import Call, IntImm, IterVarType, Var
from ..tir.stmt import AttrStmt, Evaluate, For, IfThenElse, LetStmt
from .message_passing import is_const, pass_up_bound_check, pass_up_index
from .stage import FOR_KINDS, STORAGE_RANKS, VIRTUAL_THREAD_TAGS, thread_rank

NO_OP = Evaluate(IntImm("int32", 0))
LOOP_SCOPE = "loop_scope"


def make_loop_nest(stage, ranges, begin, new_loop_var, skip, values):
    """Nest levels for leaves[begin:], filling `values` ({IterVar: expr}) for every
    IterVar of the stage. `new_loop_var` makes fresh `<name>.init` loop variables;
    loops in `skip` are left out."""
    leaves = stage.leaf_iter_vars
    nest = [[] for _ in range(len(leaves) + 1)]
    for k in range(begin, len(leaves)):
        iv = leaves[k]
        if iv in skip:
            values[iv] = iv.var
            continue
        nest[k + 1] = _loop_level(stage, iv, ranges[iv], new_loop_var, values)
    pass_up_index(stage, ranges, values)
    return nest


def _loop_level(stage, iv, r, new_loop_var, values):
    attr = stage.iter_var_attrs.get(iv)
    bound = attr.bind_thread if attr is not None else None
    if bound is None and iv.iter_type == IterVarType.THREAD_INDEX:
        bound = iv                          # a thread launched by env_threads
    level = []
    if bound is not None and bound.thread_tag in VIRTUAL_THREAD_TAGS:
        level.append(AttrStmt(bound, "virtual_thread", r.extent, NO_OP))
        values[iv] = bound.var
    elif bound is not None:
        level.append(AttrStmt(bound, "thread_extent", r.extent, NO_OP))
        values[iv] = _thread_value(stage, bound, r)
    else:
        var = Var(iv.var.name + ".init", iv.var.dtype) if new_loop_var else iv.var
        for key, value in (attr.pragmas if attr is not None else ()):
            value = IntImm("int32", 1) if value is None else value
            level.append(AttrStmt(iv, "pragma_" + key, value, NO_OP))
        kind = FOR_KINDS.get(attr.iter_type, "serial") if attr is not None else "serial"
        if is_const(r.extent, 1):
            level.append(LetStmt(var, r.min, NO_OP))
            values[iv] = r.min
        else:
            # normalize rebased every root loop, so every loop starts at zero here
            level.append(For(var, r.min, r.extent, kind, NO_OP))
            values[iv] = var
    if not new_loop_var:
        level.append(AttrStmt(iv, LOOP_SCOPE, iv.var, NO_OP))
    return level


def _thread_value(stage, thread, r):
    """What a GPU-thread-bound axis is inside its launch (TVM's MakeLoopNest): the thread
    index, unless the axis has one iteration or the stage's memory is private to a finer
    level than the thread (each thread then already holds its own copy)."""
    if is_const(r.extent, 1):
        return r.min
    if not stage.scope or STORAGE_RANKS[stage.scope.split(".")[0]] <= \
            thread_rank(thread.thread_tag):
        return thread.var
    return r.min


def likely(cond):
    return Call("bool", "tir.likely", (cond,))


def make_bound_check(stage, ranges, values, skip_root_domain, skip):
    """Conditions under which an iteration is inside the stage's domain: the split parts
    that overshoot (non-dividing factors) and, unless `skip_root_domain`, root axes whose
    inferred range differs from the declared one."""
    ana = scratch_analyzer()
    state = pass_up_bound_check(stage, ranges, ana)
    dom = RangeSets(ranges)
    preds = []
    for iv in stage.all_iter_vars:
        # iv not in ranges: the dataflow rewrites pass ranges of one kind of axis only
        if iv in skip or not state.get(iv) or iv not in ranges:
            continue
        r = ranges[iv]
        value = values[iv] - r.min
        vmax = eval_set(value, dom).max
        if vmax is None or not ana.can_prove(vmax < r.extent):
            preds.append(value < r.extent)
    for iv in stage.op.root_iter_vars:
        if iv in skip or skip_root_domain or _same_range(ana, iv.dom, ranges[iv]):
            continue
        value = values[iv] - iv.dom.min
        s = eval_set(value, dom)
        if s.min is None or not ana.can_prove(s.min >= 0):
            preds.append(value >= 0)
        if s.max is None or not ana.can_prove(s.max < iv.dom.extent):
            preds.append(value < iv.dom.extent)
    return preds


def _same_range(ana, a, b):
    return a is b or (ana.can_prove(_op.equal(a.min, b.min))
                      and ana.can_prove(_op.equal(a.extent, b.extent)))


def make_if_nest(preds):
    return [IfThenElse(p, NO_OP) for p in preds]


def merge_nest(nest, body):
    """Fill the templates of `nest` (levels outermost first) around `body`."""
    for level in reversed(nest):
        for stmt in reversed(level):
            if isinstance(stmt, IfThenElse):
                body = replace(stmt, then_case=body)
            else:
                body = replace(stmt, body=body)
    return body

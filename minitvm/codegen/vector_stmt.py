"""Emitting a vectorized loop nest: each planned store as a few numpy statements.

Three shapes of code, chosen per store:
* a store: `view[...] = value` over the grid (np.copyto with a mask under guards,
  a checked scatter when a guarded index may leave the buffer);
* a reduction: reduce the value over the ignored axes and combine it into the
  accumulator view;
* a contraction (a sum of products of two loads): `np.einsum`, through float64
  BLAS when every partial sum is an integer below 2**53 (so exact), else int64.
When the temporaries would exceed CHUNK_BYTES, the outer loops of that store run
in chunks (a Python loop over blocks), which keeps the sequential order of blocks.
"""
from __future__ import annotations

import math

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir.op import all as all_of
from .access import flat_index
from .context import np_dtype
from .vector_expr import Axis, VectorEmitter

CHUNK_BYTES = 64 << 20
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_UFUNC = {"add": "np.add", "max": "np.maximum", "min": "np.minimum"}
_COMBINE = {"add": "({} + {})", "max": "np.maximum({}, {})", "min": "np.minimum({}, {})"}


def emit_region(ctx, loop, plans):
    """Emit the planned stores of the nest rooted at the For `loop`."""
    ctx.out.line(f"# loop nest {loop.loop_var.name} vectorized: {len(plans)} store(s)")
    for plan in plans:
        _emit_plan(ctx, plan)


def _emit_plan(ctx, plan):
    t = plan.instance
    opened = _open_invariant_guards(ctx, plan)
    guards = t.guards[opened:]
    contraction = None if guards else _contraction(plan)
    estimate = _contraction_size if contraction else _grid_size
    chunked = _plan_chunks(t.loops, lambda lengths: estimate(lengths, contraction) * 8)
    vec = VectorEmitter(ctx, _open_chunks(ctx, t.loops, chunked), dict(t.lets),
                        plan.analyzer, conditional=bool(guards))
    if contraction:
        body = _contraction_lines(ctx, plan, vec, contraction)
    elif plan.reduction:
        body = _reduction_lines(ctx, plan, vec, guards)
    else:
        body = _store_lines(ctx, plan, vec, guards)
    for line in vec.lines + body:
        ctx.out.line(line)
    for _ in range(len(chunked) + bool(opened)):
        ctx.out.dedent()


def _open_invariant_guards(ctx, plan):
    """Turn the leading guards that do not vary over the nest into one Python `if`;
    returns how many guards it took."""
    t = plan.instance
    probe = VectorEmitter(ctx, _open_chunks(None, t.loops, {}), dict(t.lets), plan.analyzer)
    count = 0
    while count < len(t.guards) and not probe.depends(t.guards[count]):
        count += 1
    if count:
        condition = probe.scalar.emit(all_of(*t.guards[:count]))
        for line in probe.lines:
            ctx.out.line(line)
        ctx.out.line(f"if {condition}:")
        ctx.out.indent()
    return count


def _open_chunks(ctx, loops, chunked):
    """The grid axes, opening a Python loop over blocks for each chunked axis."""
    axes = []
    for k, loop in enumerate(loops):
        offset, length = None, str(loop.extent)
        if k in chunked:
            offset, length = ctx.namer.temp("s"), ctx.namer.temp("n")
            ctx.out.line(f"for {offset} in range(0, {loop.extent}, {chunked[k]}):")
            ctx.out.indent()
            ctx.out.line(f"{length} = min({chunked[k]}, {loop.extent} - {offset})")
        axes.append(Axis(loop.var, k, len(loops), loop.min, length, offset))
    return axes


# --- chunking ---------------------------------------------------------------------

def _grid_size(lengths, _):
    return math.prod(lengths)


def _contraction_size(lengths, contraction):
    groups = [op.axes for op in contraction.operands] + [contraction.out_axes]
    return max(math.prod(lengths[k] for k in group) for group in groups)


def _plan_chunks(loops, nbytes):
    """{axis: block length} for a prefix of axes so that nbytes(lengths) <= CHUNK_BYTES."""
    lengths = [l.extent for l in loops]
    chunked = {}
    for k, loop in enumerate(loops):
        size = nbytes(lengths)
        if size <= CHUNK_BYTES:
            break
        lengths[k] = max(1, loop.extent * CHUNK_BYTES // size)
        chunked[k] = lengths[k]
    return chunked


# --- stores -----------------------------------------------------------------------

def _store_lines(ctx, plan, vec, guards):
    t = plan.instance
    mem = ctx.memory_of(t.store.buffer)
    form = plan.analyzer.affine(t.index)
    value = vec.emit(t.store.value)
    if not guards:
        return [f"{vec.view(mem, form, t.store.buffer.name)}[...] = {value}"]
    mask = vec.emit(all_of(*guards))
    if vec.in_range(form, mem):
        return [f"np.copyto({vec.view(mem, form, t.store.buffer.name)}, {value}, "
                f"where={mask})"]
    return [f"_scatter({mem.name}, {vec.emit(t.index)}, {value}, {mask}, "
            f"{_grid(vec, ())}, {t.store.buffer.name!r})"]


def _reduction_lines(ctx, plan, vec, guards):
    t, red = plan.instance, plan.reduction
    mem = ctx.memory_of(t.store.buffer)
    dtype = t.store.buffer.dtype
    axes = tuple(k for k, l in enumerate(t.loops) if l in red.axes)
    value = vec.emit(red.value)
    mask = vec.emit(all_of(*guards)) if guards else None
    if mask:
        value = f"np.where({mask}, {value}, {ctx.constant(dtype, _identity(red, dtype))})"
    reduced = f"_reduce({_UFUNC[red.combiner]}, {value}, {axes}, {_grid(vec, ())}, " \
              f"{np_dtype(dtype)})"
    acc = ctx.namer.temp("acc")
    form = plan.analyzer.affine(t.index)
    if mask is None or vec.in_range(form, mem):
        return [f"{acc} = {vec.view(mem, form, t.store.buffer.name)}",
                f"{acc}[...] = {_COMBINE[red.combiner].format(acc, reduced)}"]
    index = ctx.namer.temp("idx")
    return [f"{index} = {vec.emit(t.index)}",
            f"{acc} = _gather_clip({mem.name}, {index})",
            f"_scatter({mem.name}, {index}, {_COMBINE[red.combiner].format(acc, reduced)}, "
            f"_any_over({mask}, {axes}, {_grid(vec, ())}), {_grid(vec, axes)}, "
            f"{t.store.buffer.name!r})"]


def _identity(red, dtype):
    if red.combiner == "add":
        return 0
    if dt.is_float(dtype):
        return -math.inf if red.combiner == "max" else math.inf
    lo, hi = dt.int_range(dtype)
    return lo if red.combiner == "max" else hi


def _grid(vec, collapsed):
    """Source of the grid's shape tuple, with the `collapsed` axes of length 1."""
    lengths = ["1" if a.k in collapsed else a.length for a in vec.ordered_axes()]
    return "(" + ", ".join(lengths) + ("," if len(lengths) == 1 else "") + ")"


# --- contractions ---------------------------------------------------------------

class _Operand:
    def __init__(self, load, form, axes):
        self.load, self.form, self.axes = load, form, axes


class _Contraction:
    def __init__(self, operands, out_axes, path):
        self.operands, self.out_axes, self.path = operands, out_axes, path


def _contraction(plan):
    """The einsum form of an unguarded sum-of-products reduction, or None."""
    t, red = plan.instance, plan.reduction
    if red is None or red.combiner != "add" or not isinstance(red.value, E.Mul) \
            or len(t.loops) > len(_LETTERS):
        return None
    operands = [_operand(term, plan) for term in (red.value.a, red.value.b)]
    if None in operands:
        return None
    covered = set(operands[0].axes) | set(operands[1].axes)
    reduced = {k for k, l in enumerate(t.loops) if l in red.axes}
    if not reduced <= covered:
        return None
    path = _path(red.value.dtype, operands,
                 math.prod(t.loops[k].extent for k in reduced))
    out_axes = sorted(covered - reduced)
    return _Contraction(operands, out_axes, path) if path else None


def _operand(term, plan):
    load = term.value if isinstance(term, E.Cast) else term
    if not isinstance(load, E.BufferLoad) or not _widens(load.dtype, term.dtype):
        return None
    form = plan.analyzer.affine(flat_index(load.buffer, load.indices))
    if form is None:
        return None
    axes = [k for k, l in enumerate(plan.instance.loops) if form.coeff(l.var)]
    return _Operand(load, form, axes) if axes else None


def _widens(src, dst):
    if src == dst:
        return True
    if dt.is_integer(src) and dt.is_integer(dst):
        lo, hi = dt.int_range(src)
        dlo, dhi = dt.int_range(dst)
        return dlo <= lo and hi <= dhi
    return dt.is_float(dst) and (dt.is_integer(src) or dt.bits(src) <= dt.bits(dst))


def _path(dtype, operands, count):
    if dt.is_float(dtype):
        return "native"
    if not all(dt.is_integer(op.load.dtype) for op in operands) or dt.bits(dtype) > 64:
        return None
    bound = count
    for op in operands:
        lo, hi = dt.int_range(op.load.dtype)
        bound *= max(-lo, hi)
    return "float64" if bound < 2 ** 53 else "int64"


def _contraction_lines(ctx, plan, vec, con):
    t = plan.instance
    loops = t.loops
    views, specs = [], []
    for op in con.operands:
        mem = ctx.memory_of(op.load.buffer)
        views.append(vec.view(mem, op.form, op.load.buffer.name,
                              axes=[loops[k].var for k in op.axes]))
        specs.append("".join(_LETTERS[k] for k in op.axes))
    spec = f"{specs[0]},{specs[1]}->{''.join(_LETTERS[k] for k in con.out_axes)}"
    dtype = t.store.buffer.dtype
    shape = ["1" if k not in con.out_axes else vec.axes[l.var].length
             for k, l in enumerate(loops)]
    mem = ctx.memory_of(t.store.buffer)
    acc = ctx.namer.temp("acc")
    return [f"{acc} = {vec.view(mem, plan.analyzer.affine(t.index), t.store.buffer.name)}",
            f"{acc}[...] = {acc} + _contract({spec!r}, {views[0]}, {views[1]}, "
            f"{np_dtype(dtype)}, {con.path!r}).reshape(({', '.join(shape)},))"]

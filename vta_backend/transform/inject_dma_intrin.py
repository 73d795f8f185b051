"""InjectDMAIntrin (phase 1, first VTA pass after StorageFlatten): rewrites each copy loop
nest under a `pragma_dma_copy` into one 2-D DMA transfer of the VTA runtime.

The pattern is TVM's `InjectCopyIntrin`: loops from 0 around one
`dst[i] = src[j]` (optionally `Cast(src[j])`, or `if_then_else(cond, src[j], pad)` as
`topi.nn.pad` leaves it), with both flat indices affine in the loop variables. Each side is
described as a strided region (shape = loop extents, strides = index coefficients, offset
= the rest). The pad condition bounds each loop variable to `[lo, hi]`; the loop's
`max(lo, 0)` first and `max(extent - hi - 1, 0)` last iterations become the load's padding
fields, so the padded tensor is never materialised in DRAM (the amounts may depend on
outer loops and are then computed at run time).

* DRAM -> SRAM (`local.inp_buffer`, `local.wgt_buffer`, `local.acc_buffer`) becomes
  `coproc_scope(q) { VTALoadBuffer2D(cmd, src, offset, x_size, y_size, x_stride,
  x_pad_before, y_pad_before, x_pad_after, y_pad_after, sram_index, mem_id) }`; int8 data
  loaded into the int32 accumulator uses memory id ACC_8BIT.
* `local.acc_buffer` -> DRAM becomes `coproc_scope(3) { VTAStoreBuffer2D(cmd, sram_index,
  OUT, dst, offset, x_size, y_size, x_stride) }`.

The DRAM side must fold into at most `y_size` rows of `x_size` whole elements with row
stride `x_stride` (elements: 16 int8 inputs, 256 int8 weights, 16 int32 accumulators);
the SRAM side must be compact. It runs in phase 1, before the scopes are lifted, because
the lifting and CoProcSync work on the `coproc_scope`s this pass creates.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import List

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from ..environment import VTAError, get_env
from .common import access_ptr, command_handle, coproc_scope
from .common import extern, is_call, match_pragma, strip_loops
from .linear import Linear, clamp_at_zero, detect_clip_bound, detect_linear_equation


class DMAPatternError(VTAError, ValueError):
    """A `dma_copy` stage that cannot become a VTA 2-D DMA transfer."""


@dataclass
class _Region:
    """One side of a copy as TVM's InjectCopyIntrin re-describes it."""
    data: E.Var
    dtype: str
    scope: str
    shape: List[Linear]
    strides: List[int]
    offset: Linear
    axes: List[str] = field(default_factory=list)    # the copy loops, one per dim

    def describe(self):
        shape = [s.to_expr() for s in self.shape]
        if len(self.axes) != len(shape):
            return f"{self.data.name} ({self.scope}, shape={shape}, strides={self.strides})"
        dims = ", ".join(f"'{a}' x {n!r} with stride {k}"
                         for a, n, k in zip(self.axes, shape, self.strides))
        return f"{self.data.name} ({self.scope}; axes {dims})"


@dataclass(frozen=True)
class _Sram:
    """How one on-chip memory is reached by DMA."""
    mem_id: int
    qid: int
    elem_width: int       # bits of one scalar lane
    elem_bytes: int       # bytes of one SRAM element

    @property
    def lanes(self):
        return self.elem_bytes * 8 // self.elem_width

    @property
    def dtype(self):
        return f"int{self.elem_width}"


def _load_targets(env):
    dev = env.dev
    return {
        env.inp_scope: _Sram(dev.MEM_ID_INP, dev.QID_LOAD_INP, env.INP_WIDTH, env.INP_ELEM_BYTES),
        env.wgt_scope: _Sram(dev.MEM_ID_WGT, dev.QID_LOAD_WGT, env.WGT_WIDTH, env.WGT_ELEM_BYTES),
        env.acc_scope: _Sram(dev.MEM_ID_ACC, dev.QID_LOAD_OUT, env.ACC_WIDTH, env.ACC_ELEM_BYTES),
    }


def _store_source(env):
    dev = env.dev
    return _Sram(dev.MEM_ID_OUT, dev.QID_STORE_OUT, env.OUT_WIDTH, env.OUT_ELEM_BYTES)


# --- the copy pattern ---------------------------------------------------------------------

class _Copy:
    """The matched copy nest of one dma_copy stage."""

    def __init__(self, stage, src, dst, pad_before, pad_after):
        self.stage = stage
        self.src, self.dst = src, dst
        self.pad_before, self.pad_after = pad_before, pad_after

    def error(self, rule):
        return _error(self.stage, rule)


def _error(stage, rule):
    return DMAPatternError(f"dma_copy of stage '{stage}': {rule}")


def _split_value(value):
    """`(load, condition)` of a copied value: a load, a cast load, or a padded load."""
    if is_call(value, "tir.if_then_else") or isinstance(value, E.Select):
        cond, true_value = ((value.args[0], value.args[1]) if isinstance(value, E.Call)
                            else (value.condition, value.true_value))
        return true_value, cond
    if isinstance(value, E.Cast):
        return value.value, None
    return value, None


def _guarded_store(stmt):
    """The store under a split's bound guard (`if likely(...)`), or None."""
    while isinstance(stmt, (S.IfThenElse, S.For)):
        stmt = stmt.then_case if isinstance(stmt, S.IfThenElse) else stmt.body
    return stmt if isinstance(stmt, S.BufferStore) else None


def _split_text(outer, factor):
    axis = outer.name[:-len(".outer")] if outer.name.endswith(".outer") else None
    return (f"the split of axis '{axis}' by factor {factor} (loop '{outer.name}')" if axis
            else f"the split with factor {factor} that made loop '{outer.name}'")


def _partial_tile_rule(guard, copy_loops):
    """Why a copy is guarded: a split whose factor does not divide what it splits leaves a
    partial last tile. The split shows in the guard as `outer * factor + inner < bound`,
    `outer` being the split's outer loop (named `<axis>.outer`), which encloses the copy."""
    cond = guard.condition.args[0] if is_call(guard.condition, "tir.likely") else guard.condition
    splits = []
    if isinstance(cond, E.LT):
        form = Linear.of(cond.a) - Linear.of(cond.b)
        outer = [(atom, c) for atom, c in form.terms.values() if isinstance(atom, E.Var)
                 and all(atom is not f.loop_var for f in copy_loops)]
        splits = ([_split_text(atom, c) for atom, c in outer if c > 1]
                  or [f"the split that made loop '{atom.name}'" for atom, _ in outer])
    where = " and ".join(splits) or "a split of an axis it depends on"
    return (f"the copy is guarded by `{cond!r}`: {where} does not divide the extent it "
            "splits, so the last tile is partial, and a VTA DMA transfer moves whole tiles. "
            "Choose split factors that divide the axes' extents")


def _match_copy(attr):
    loops, body = strip_loops(attr.body)
    guarded = _guarded_store(body) if isinstance(body, S.IfThenElse) else None
    if guarded is not None and body.else_case is None:
        raise _error(guarded.buffer.name, _partial_tile_rule(body, loops))
    if not isinstance(body, S.BufferStore):
        axis = getattr(attr.node, "var", attr.node)
        raise DMAPatternError(f"dma_copy at axis '{getattr(axis, 'name', axis)}': the pragma "
                              f"must annotate loops around a single store, found {body!r}")
    stage = body.buffer.name
    fail = functools.partial(_error, stage)
    if any(not (isinstance(f.min, E.IntImm) and f.min.value == 0) for f in loops):
        raise fail("every copy loop must start at 0")
    load, cond = _split_value(body.value)
    if not isinstance(load, E.BufferLoad) or len(load.indices) != 1 or len(body.indices) != 1:
        raise fail(f"the stored value must be a load from one flat buffer, found {body.value!r}")
    loop_vars = [f.loop_var for f in loops]
    store_lin = detect_linear_equation(body.indices[0], loop_vars)
    load_lin = detect_linear_equation(load.indices[0], loop_vars)
    if store_lin is None or load_lin is None:
        raise fail("the store and load indices must be affine in the copy loops")
    shape = [Linear.of(f.extent) for f in loops] or [Linear(const=1)]
    src_shape, src_offset = list(shape), load_lin[1]
    pad_before, pad_after = [], []
    if cond is not None:
        bounds = detect_clip_bound(cond, loop_vars) if loops else None
        if bounds is None:
            raise fail(f"the pad condition {cond!r} must bound each copy loop variable "
                       "by a constant-coefficient comparison")
        for i, (lo, hi) in enumerate(bounds):
            before = clamp_at_zero(lo) if lo is not None else Linear()
            after = clamp_at_zero(shape[i] - hi - 1) if hi is not None else Linear()
            src_offset = src_offset + before * load_lin[0][i]
            src_shape[i] = shape[i] - before - after
            pad_before.append(before)
            pad_after.append(after)
    axes = [f.loop_var.name for f in loops]
    dst = _Region(body.buffer.data, body.value.dtype, body.buffer.scope, shape,
                  store_lin[0] or [1], store_lin[1], axes)
    src = _Region(load.buffer.data, load.dtype, load.buffer.scope, src_shape,
                  load_lin[0] or [1], src_offset, axes)
    return _Copy(stage, src, dst, pad_before, pad_after)


# --- 2-D patterns ---------------------------------------------------------------------------

def _const(form):
    return form.const if form.is_const() else None


def _check_compact(copy, region):
    size = 1
    for extent, stride in zip(reversed(region.shape), reversed(region.strides)):
        if stride != size or _const(extent) is None:
            raise copy.error(f"the on-chip side {region.describe()} must be compact")
        size *= _const(extent)


def _no_pattern(copy, region, lanes, reason):
    return copy.error(f"cannot detect a 2-D DMA pattern with elements of {lanes} lanes in "
                      f"{region.describe()}: {reason}")


def _fold_dims(copy, region, lanes):
    """Merge the innermost dims into one element of `lanes` and the outer dims into
    contiguous groups (TVM's `_fold_buffer_dim`): `(shape, strides)` innermost last."""
    shape = [_const(s) for s in region.shape]
    strides = region.strides
    if None in shape:
        raise _no_pattern(copy, region, lanes, "an extent is symbolic")
    ndim, size, base = len(shape), 1, None
    for k in reversed(range(ndim)):
        if strides[k] != size:
            break
        size *= shape[k]
        if size == lanes:
            base = k
            break
    if base is None:
        raise _no_pattern(copy, region, lanes, "the innermost dims must form whole elements "
                          "of contiguous lanes")
    groups = [(lanes, 1)]
    if base > 0 and strides[base - 1] != lanes:
        groups.append((1, lanes))
    k = base - 1
    while k >= 0:
        stride, size = strides[k], 1
        if stride % lanes:
            raise _no_pattern(copy, region, lanes, f"stride {stride} is not a whole number "
                              "of elements")
        while k >= 0 and size * stride == strides[k]:
            size *= shape[k]
            k -= 1
        groups.append((size, stride))
    return [Linear(const=s) for s, _ in reversed(groups)], [t for _, t in reversed(groups)]


def _two_d_pattern(copy, region, lanes, allow_fold):
    """`(x_size, y_size, x_stride, elem_offset)` of a region seen as y rows of x elements."""
    offset = region.offset.exact_div(lanes)
    if offset is None:
        raise _no_pattern(copy, region, lanes, f"it starts at {region.offset.to_expr()!r}, "
                          "which is not a whole number of elements")
    shape, strides = (_fold_dims(copy, region, lanes) if allow_fold
                      else (region.shape, region.strides))
    fail = _no_pattern(copy, region, lanes, "a transfer moves y_size rows of x_size "
                       "contiguous elements, rows x_stride elements apart")
    inner = 1 if _const(shape[-1]) == lanes else 2
    if inner == 2 and not (len(shape) >= 2 and strides[-2] == _const(shape[-1])
                           and (_const(shape[-1]) or 0) * (_const(shape[-2]) or 0) == lanes):
        raise fail
    if strides[-1] != 1:
        raise fail
    outer = len(shape) - inner
    if outer == 0:
        return Linear(const=1), Linear(const=1), 1, offset
    if strides[-inner - 1] != lanes:
        raise fail
    x_size = shape[-inner - 1]
    if outer == 1:
        return x_size, Linear(const=1), x_size, offset
    if outer == 2 and strides[-inner - 2] % lanes == 0:
        return x_size, shape[-inner - 2], strides[-inner - 2] // lanes, offset
    raise fail


# --- the transfers --------------------------------------------------------------------------

def _expr(value):
    return value.to_expr() if isinstance(value, Linear) else value


def _store(env, copy):
    src, dst = copy.src, copy.dst
    if copy.pad_before:
        raise copy.error("a copy into DRAM cannot pad")
    if src.scope != env.acc_scope:
        raise copy.error(f"stores to DRAM read {env.acc_scope}, not {src.describe()}")
    sram = _store_source(env)
    _check_compact(copy, src)
    x_size, y_size, x_stride, offset = _two_d_pattern(copy, dst, sram.lanes, allow_fold=True)
    sram_index = access_ptr(src.data, src.dtype, src.offset.to_expr(), _extent(src))
    return coproc_scope(sram.qid, extern(
        "VTAStoreBuffer2D", command_handle(), sram_index, sram.mem_id, dst.data,
        *map(_expr, (offset, x_size, y_size, x_stride))))


def _load_pads(copy):
    """`(x_before, y_before, x_after, y_after)`; rows are dim 0 (dim 1 when batched)."""
    ndim = len(copy.pad_before)
    if not copy.pad_before:
        return (Linear(),) * 4
    if ndim not in (3, 4, 5):
        raise copy.error(f"a padded load needs 3 to 5 copy loops (rows, columns and the "
                         f"element's), found {ndim}: "
                         f"{', '.join(repr(a) for a in copy.dst.axes) or 'none'}")
    y = 1 if ndim == 5 else 0
    for dim in range(y + 2, ndim):
        if not (copy.pad_before[dim].is_const(0) and copy.pad_after[dim].is_const(0)):
            axes = copy.dst.axes
            raise copy.error(f"VTA's DMA pads only rows and columns, which are the copy's "
                             f"axes '{axes[y]}' and '{axes[y + 1]}' here, not axis "
                             f"'{axes[dim]}'")
    return (copy.pad_before[y + 1], copy.pad_before[y], copy.pad_after[y + 1],
            copy.pad_after[y])


def _load(env, copy):
    src, dst = copy.src, copy.dst
    sram = _load_targets(env).get(dst.scope)
    if sram is None:
        raise copy.error(f"VTA loads from DRAM into {', '.join(_load_targets(env))}, "
                         f"not into {dst.describe()}")
    pads = _load_pads(copy)
    _check_compact(copy, dst)
    x_size, y_size, x_stride, offset = _two_d_pattern(copy, src, sram.lanes,
                                                      allow_fold=not copy.pad_before)
    mem_id = sram.mem_id
    if src.dtype != sram.dtype:
        if not (dst.scope == env.acc_scope and src.dtype == f"int{env.INP_WIDTH}"):
            raise copy.error(f"cannot load {src.dtype} data into {dst.scope} "
                             f"(holds {sram.dtype}; the accumulator also takes int{env.INP_WIDTH})")
        mem_id = env.dev.MEM_ID_ACC_8BIT
    sram_index = access_ptr(dst.data, dst.dtype, dst.offset.to_expr(), _extent(dst))
    return coproc_scope(sram.qid, extern(
        "VTALoadBuffer2D", command_handle(), src.data,
        *map(_expr, (offset, x_size, y_size, x_stride) + pads), sram_index, mem_id))


def check_transfer(env, stage, tensor, loops, load_into=None, padded=()):
    """Raise DMAPatternError unless the copy of stage `stage` between DRAM tensor `tensor`
    (a name) and the SRAM scope `load_into` (None: a store from the accumulator) is one
    2-D transfer, by the rules of `_load` / `_store`.

    For callers that check a schedule before lowering it (`vta.top`'s fit check): `loops`
    are the copy loops that survive Simplify (extent > 1), outermost first, as
    `(name, extent, DRAM stride in scalars)`; `padded` the positions of the loops a pad
    condition bounds. The SRAM side is compact, as the schedule's tiles always are."""
    sram = _load_targets(env)[load_into] if load_into else _store_source(env)
    region = _Region(E.Var(tensor, "handle"), sram.dtype, "global",
                     [Linear(const=n) for _, n, _ in loops] or [Linear(const=1)],
                     [k for _, _, k in loops] or [1], Linear(), [a for a, _, _ in loops])
    pads = [Linear(const=1) if k in padded else Linear() for k in range(len(loops))]
    copy = _Copy(stage, region, region, pads if padded else [], pads if padded else [])
    _load_pads(copy)
    _two_d_pattern(copy, region, sram.lanes, allow_fold=not padded)


def _extent(region):
    """TVM's access_ptr extent: stride times extent of the outermost dim."""
    return (region.shape[0] * region.strides[0]).to_expr()


class _InjectDMA(Mutator):
    def __init__(self, env):
        self.env = env

    def visit_AttrStmt(self, node):
        if not match_pragma(node, "dma_copy"):
            return self.generic_visit(node)
        copy = _match_copy(node)
        if copy.dst.scope == "global":
            return _store(self.env, copy)
        if copy.src.scope == "global":
            return _load(self.env, copy)
        raise copy.error(f"DMA copies go between DRAM and VTA's SRAMs, not from "
                         f"{copy.src.describe()} to {copy.dst.describe()}")


@lowering_pass("tir.vta.InjectDMAIntrin", requires=(FLATTENED,))
def inject_dma_intrin(func):
    """Rewrite `dma_copy` copy nests into VTALoadBuffer2D / VTAStoreBuffer2D calls."""
    return func.with_body(_InjectDMA(get_env()).visit(func.body))

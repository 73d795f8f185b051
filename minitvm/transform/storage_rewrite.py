"""StorageRewrite: rewrites the function's allocations into a memory plan that reuses space.

TVM's `tir.transform.StorageRewrite` (`StoragePlanRewriter`). Liveness over a linear
walk of the body decides, for each allocation, the statement that first touches it (gen)
and the one that last does (kill). Then, in program order:

* in place: an allocation born at an element-wise statement `dst[i] = f(src[i])` whose
  input `src` dies there, with the same scope, element type and size, takes over `src`'s
  storage (`res_shr = res_conv >> 8`, then `res_max`, `res_min`: one allocation);
* reuse: otherwise it takes a freed entry of the same scope and a size within a factor of
  16 (larger first), or a new one;
* allocations of a special tagged scope (a registered `MemoryInfo`, e.g. VTA's SRAMs)
  attached at one place are packed into one, each at the next `max_simd_bits` boundary.

Every original `Allocate` is removed; one `Allocate` per storage entry is created at its
attach point (the root, or the innermost thread/virtual-thread scope or parallel loop
around it), outermost first in first-touch order. Every buffer whose memory moved is
rebuilt on the entry's data var and named after it (listing 1's `res_conv_1..4`).

It runs in phase 2 after InjectVirtualThread, so that the replicated allocations are
planned, and no thread scope is left to attach to (listing 2's `res_conv` allocation sits
at the root, not inside `i2_outer`).

An allocation whose extent depends on a loop or let variable bound between its attach
point and its original place (bound inference sizes a producer attached inside a
fused-then-split loop by the rows that iteration touches: `(fo*7 + 6)//5 - fo*7//5 + 1`,
TVM's `test_bound_fusesplit1`) cannot keep that extent once hoisted. TVM v0.17 hoists it
anyway and the function no longer builds (apache/tvm#1139, #3073; the fix proposed in
#12084 and endorsed in review is a constant upper bound). Here such an extent becomes its
upper bound over those variables (`const_int_bound`, else the interval bound in the
remaining outer variables); an allocation whose extent has no such bound is an error.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

from ..error import TVMError
from ..arith import Analyzer
from ..arith.const_int_bound import POS_INF
from ..arith.int_set import IntSet, eval_set
from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.analysis import expr_deep_equal, uses_any_var
from ..tir.buffer import Buffer
from ..tir.functor import Mutator, Visitor
from ..tir.functor import substitute
from .ir_utils import const_product, merge_nest
from .memory_info import get_memory_info, storage_scope_rank, storage_scope_tag
from .pass_infra import FLATTENED, PassContext, lowering_pass
from .storage_liveness import can_inplace, linear_access_pattern, liveness
from .vector_type_rewrite import vector_type_rewrite

MATCH_RANGE = 16          # reuse a freed entry at most this many times larger or smaller
EXACT_DTYPE = "tir.reuse_require_exact_matched_dtype"
"""PassContext config key: reuse storage only between allocations of one element type
(TVM applies it for targets that cannot reinterpret memory; `minitvm.build` sets it)."""


class StorageRewriteError(TVMError, ValueError):
    """An allocation the planner cannot place (names the buffer and the rule)."""


@lowering_pass("tir.StorageRewrite", requires=(FLATTENED,))
def storage_rewrite(func):
    """Plan and rewrite the allocations of `func` (see the module docstring)."""
    exact_dtype = bool(PassContext.current().config.get(EXACT_DTYPE, False))
    plan = _Planner(func.body, exact_dtype)
    body = _Rewriter(plan).visit(func.body)
    if None in plan.attach_map:
        body = _make_attach(plan.attach_map[None], body)
    return func.with_body(vector_type_rewrite(body))


# --- planning ----------------------------------------------------------------------------

@dataclass(eq=False)
class _StorageEntry:
    attach_scope: Any
    scope: str
    elem_type: str
    const_nbits: int
    allocs: list = field(default_factory=list)
    merged_children: list = field(default_factory=list)
    alloc_nest: list = field(default_factory=list)
    alloc_var: Any = None
    bits_offset: int = 0


def _scope_of(var):
    ann = var.type_annotation
    return ann.storage_scope if ann is not None else "global"


def _special_tagged(scope):
    tag = storage_scope_tag(scope)
    return tag not in ("", ".dyn", ".workspace", ".vtcm")


def _no_reuse_scope(scope, dtype):
    """Local/warp memory and handles stay with the compiler's register allocation."""
    return (storage_scope_tag(scope) == ""
            and (storage_scope_rank(scope) in ("warp", "local") or dtype == "handle"))


def _const_nbits(alloc):
    size = const_product(alloc.extents)
    return 0 if size is None else size * dt.bits(alloc.dtype)


class _Planner:
    """TVM's PlanMemory and PrepareNewAlloc: which storage entry each allocation uses
    (`alloc_map`) and which new allocations go where (`attach_map`)."""

    def __init__(self, body, exact_dtype=False):
        self.exact_dtype = exact_dtype
        self.free_sizes, self.free_entries = [], []    # const_free_map_, sorted by size
        self.sym_free = []
        self.thread_scopes = []       # the enclosing thread scopes, innermost last
        self.alloc_map = {}           # allocation var -> _StorageEntry
        self.alloc_vec = []
        self.attach_map = {}          # attach scope (None = root) -> [_StorageEntry]
        linear, alloc_info = linear_access_pattern(body)
        self.binders = _enclosing_binders(body)
        self.event_gen, self.event_kill = liveness(linear)
        self._plan(linear, alloc_info)
        self._prepare_new_allocs()

    def _plan(self, linear, alloc_info):
        inplace_srcs = set()
        for entry in linear:
            stmt = entry.stmt
            gens, kills = self.event_gen.get(stmt, ()), self.event_kill.get(stmt, ())
            if entry.scope_pair_offset >= 0:
                detect_inplace = len(gens) <= 2
                for var in gens:
                    alloc = self._hoisted(alloc_info[var].alloc)
                    dst = self._inplace_entry(stmt, var, alloc, kills, inplace_srcs) \
                        if detect_inplace else None
                    if dst is None:
                        dst = self._find_alloc(alloc, _scope_of(var))
                    dst.allocs.append(alloc)
                    self.alloc_map[var] = dst
            self._enter_or_exit_scope(stmt)
            if entry.scope_pair_offset <= 0:
                for var in kills:
                    if var not in inplace_srcs:
                        self._free(var)

    @property
    def thread_scope(self):
        """The attach point of new allocations: the innermost thread scope (None: root)."""
        return self.thread_scopes[-1] if self.thread_scopes else None

    def _hoisted(self, alloc):
        """`alloc` as it can stand at the current attach point (`self.thread_scope`, None
        for the root): extents that use variables bound in between are replaced by their
        upper bound over those variables (see the module docstring)."""
        binders = self.binders.get(alloc.buffer_var, ())
        if self.thread_scope is not None:
            at = next((i for i, (stmt, _, _) in enumerate(binders)
                       if stmt is self.thread_scope), None)
            binders = binders[at + 1:] if at is not None else binders
        binders = tuple(b for b in binders if b[1] is not None)
        inner = {var for _, var, _ in binders}
        if not inner or not any(uses_any_var(x, inner) for x in alloc.extents):
            return alloc
        extents = tuple(_upper_bound(x, binders, alloc.buffer_var.name) if uses_any_var(x, inner)
                        else x for x in alloc.extents)
        condition = alloc.condition
        if uses_any_var(condition, inner):
            condition = E.IntImm("bool", 1)     # the larger buffer is allocated always
        return replace(alloc, extents=extents, condition=condition)

    def _inplace_entry(self, stmt, var, alloc, kills, inplace_srcs):
        scope = _scope_of(var)
        for src in kills:
            if src in inplace_srcs or src not in self.alloc_map:
                continue
            src_entry = self.alloc_map[src]
            if (src_entry.scope == scope and src_entry.attach_scope is self.thread_scope
                    and src_entry.elem_type == alloc.dtype and can_inplace(stmt, var, src)
                    and src_entry.const_nbits == _const_nbits(alloc)):
                inplace_srcs.add(src)
                return src_entry
        return None

    def _enter_or_exit_scope(self, stmt):
        if isinstance(stmt, S.AttrStmt):
            key = stmt.attr_key
            if key in ("thread_extent", "virtual_thread") or key.startswith("pragma_"):
                self._plan_new_scope(stmt)
        elif isinstance(stmt, S.For) and stmt.kind == S.ForKind.PARALLEL:
            if self.thread_scope is None or self.thread_scope is stmt:
                self._plan_new_scope(stmt)

    def _plan_new_scope(self, stmt):
        # virtual threads nest (oc_nthread and h_nthread of VTA's conv2d): an allocation
        # inside both must attach inside both, so that each thread scope replicates it
        if self.thread_scope is not stmt:
            self.thread_scopes.append(stmt)
            return
        keep = [(n, e) for n, e in zip(self.free_sizes, self.free_entries)
                if e.attach_scope is not stmt]
        self.free_sizes = [n for n, _ in keep]
        self.free_entries = [e for _, e in keep]
        self.sym_free = [e for e in self.sym_free if e.attach_scope is not stmt]
        self.thread_scopes.pop()

    def _new_entry(self, alloc, scope, const_nbits):
        entry = _StorageEntry(self.thread_scope, scope, alloc.dtype, const_nbits)
        self.alloc_vec.append(entry)
        return entry

    def _find_alloc(self, alloc, scope):
        elem_bits = dt.bits(alloc.dtype)
        const_nbits = _const_nbits(alloc)
        small = storage_scope_tag(scope) == "" and 0 < const_nbits <= 32
        if _no_reuse_scope(scope, alloc.dtype) or small or len(alloc.extents) != 1:
            return self._new_entry(alloc, scope, const_nbits)
        if const_nbits:
            found = self._take_free(alloc, scope, const_nbits, elem_bits)
            if found is not None:
                return found
        else:
            for i, e in enumerate(self.sym_free):
                if (e.attach_scope is self.thread_scope and e.scope == scope
                        and e.elem_type == alloc.dtype):
                    return self.sym_free.pop(i)
        return self._new_entry(alloc, scope, const_nbits)

    def _take_free(self, alloc, scope, const_nbits, elem_bits):
        begin = bisect.bisect_left(self.free_sizes, const_nbits // MATCH_RANGE)
        mid = bisect.bisect_left(self.free_sizes, const_nbits)
        end = bisect.bisect_right(self.free_sizes, const_nbits * MATCH_RANGE)
        bigger = [i for i in range(mid, end) if self._fits(i, scope)
                  and self.free_entries[i].bits_offset % elem_bits == 0
                  and (not self.exact_dtype or self.free_entries[i].elem_type == alloc.dtype)]
        smaller = [i for i in reversed(range(begin, mid)) if self._fits(i, scope)
                   and self.free_entries[i].elem_type == alloc.dtype]
        for i in bigger + smaller:
            entry = self.free_entries.pop(i)
            self.free_sizes.pop(i)
            entry.const_nbits = max(entry.const_nbits, const_nbits)
            return entry
        return None

    def _fits(self, i, scope):
        e = self.free_entries[i]
        return e.attach_scope is self.thread_scope and e.scope == scope

    def _free(self, var):
        entry = self.alloc_map[var]
        if storage_scope_tag(entry.scope) == "":
            if _no_reuse_scope(entry.scope, entry.allocs[0].dtype):
                return
            if 0 < entry.const_nbits <= 32:
                return
        if entry.const_nbits:
            i = bisect.bisect_right(self.free_sizes, entry.const_nbits)
            self.free_sizes.insert(i, entry.const_nbits)
            self.free_entries.insert(i, entry)
        else:
            self.sym_free.append(entry)

    # --- the new allocations ---

    def _prepare_new_allocs(self):
        for entry in self.alloc_vec:
            self.attach_map.setdefault(entry.attach_scope, []).append(entry)
        for entries in self.attach_map.values():
            for i, e in enumerate(entries):
                if _special_tagged(e.scope):
                    if not e.const_nbits:
                        raise StorageRewriteError(
                            f"{e.allocs[0].buffer_var.name} in '{e.scope}' needs a constant size")
                    parent = next((p for p in entries[:i] if p.scope == e.scope), None)
                    if parent is not None:
                        parent.merged_children.append(e)
            for e in entries:
                if e.bits_offset:
                    continue
                if e.merged_children:
                    self._new_alloc_tag_merged(e)
                else:
                    self._new_alloc(e)

    def _new_alloc(self, e):
        first = e.allocs[0]
        e.alloc_var = first.buffer_var
        identical = all(a.dtype == first.dtype and expr_deep_equal(a.extents, first.extents)
                        for a in e.allocs[1:])
        if identical:
            extents, condition = first.extents, first.condition
        else:
            bits = max(_const_nbits(a) for a in e.allocs)
            if any(_const_nbits(a) == 0 for a in e.allocs):
                raise StorageRewriteError(
                    f"cannot share {first.buffer_var.name} between allocations of symbolic size")
            type_bits = dt.bits(first.dtype)
            extents = (E.IntImm("int32", -(-bits // type_bits)),)
            condition = E.IntImm("bool", 1)
        self._check_capacity(e, e.const_nbits)
        e.alloc_nest.append(S.Allocate(e.alloc_var, first.dtype, extents, condition,
                                       S.Evaluate(E.IntImm("int32", 0))))

    def _new_alloc_tag_merged(self, e):
        info = get_memory_info(e.scope)
        align = info.max_simd_bits if info is not None else 32
        total = _round_up(e.const_nbits, align)
        e.alloc_var = e.allocs[0].buffer_var
        for child in e.merged_children:
            child.bits_offset = total
            child.alloc_var = e.alloc_var
            total = _round_up(total + child.const_nbits, align)
        type_bits = dt.bits(e.elem_type)
        size = E.IntImm(e.allocs[0].extents[0].dtype, -(-total // type_bits))
        self._check_capacity(e, total)
        e.alloc_nest.append(S.Allocate(e.alloc_var, e.elem_type, (size,), E.IntImm("bool", 1),
                                       S.Evaluate(E.IntImm("int32", 0))))

    @staticmethod
    def _check_capacity(e, nbits):
        info = get_memory_info(e.scope) if _special_tagged(e.scope) else None
        if info is not None and nbits > info.max_num_bits:
            names = ", ".join(a.buffer_var.name for a in e.allocs)
            raise StorageRewriteError(
                f"{names} together need {nbits} bits of '{e.scope}', which holds only "
                f"{info.max_num_bits} bits")



class _BinderFinder(Visitor):
    """For each Allocate, the scoping statements around it, outermost first: `(stmt, var,
    Range)` for loops and thread scopes, `(stmt, var, value)` for lets, `(stmt, None,
    None)` for other attributes (a pragma scope can be an attach point)."""

    def __init__(self):
        self.stack = []
        self.found = {}

    def _scoped(self, node, entry):
        self.stack.append(entry)
        self.generic_visit(node)
        self.stack.pop()

    def visit_For(self, node):
        self._scoped(node, (node, node.loop_var, E.Range(node.min, node.extent)))

    def visit_LetStmt(self, node):
        self._scoped(node, (node, node.var, node.value))

    def visit_AttrStmt(self, node):
        if node.attr_key in ("thread_extent", "virtual_thread") \
                and isinstance(node.node, E.IterVar):
            zero = E.IntImm(node.value.dtype, 0)
            self._scoped(node, (node, node.node.var, E.Range(zero, node.value)))
        else:
            self.stack.append((node, None, None))
            self.generic_visit(node)
            self.stack.pop()

    def visit_Allocate(self, node):
        self.found[node.buffer_var] = tuple(self.stack)
        self.generic_visit(node)


def _enclosing_binders(body):
    finder = _BinderFinder()
    finder.visit(body)
    return finder.found


def _upper_bound(extent, binders, name):
    """An upper bound of `extent` free of the variables `binders` bind."""
    ana = Analyzer()
    for _, var, value in binders:
        ana.bind(var, value, allow_override=True)
    bound = ana.const_int_bound(extent).max_value
    if bound < min(POS_INF, (1 << (dt.bits(extent.dtype) - 1)) - 1):   # not just the dtype's
        return E.IntImm(extent.dtype, bound)
    # symbolic: substitute the lets and relax the loops, innermost first
    for _, var, value in reversed(binders):
        if isinstance(value, E.Range):
            hi = eval_set(extent, {var: IntSet.from_range(value)}).max
            if hi is None:
                break
            extent = hi
        else:
            extent = substitute(extent, {var: value})
    if uses_any_var(extent, {var for _, var, _ in binders}):
        raise StorageRewriteError(
            f"the allocation of {name} has an extent that depends on a loop inside its "
            "attach point and has no upper bound; it cannot be hoisted")
    return ana.simplify(extent)


def _make_attach(entries, body):
    for e in reversed(entries):
        body = merge_nest(e.alloc_nest, body)
    return body


class _Rewriter(Mutator):
    """Drops the old allocations, moves every access onto its storage entry and puts the
    new allocations at their attach points."""

    def __init__(self, plan):
        self.alloc_map = plan.alloc_map
        self.attach_map = plan.attach_map
        self.buffer_remap = {}

    def _remap_buffer(self, buffer, data):
        new = self.buffer_remap.get(buffer)
        if new is None:
            new = self.buffer_remap[buffer] = Buffer(
                data=data, dtype=buffer.dtype, shape=buffer.shape, strides=buffer.strides,
                elem_offset=buffer.elem_offset, name=data.name,
                data_alignment=buffer.data_alignment, offset_factor=buffer.offset_factor,
                buffer_type=buffer.buffer_type)
        elif new.data is not data:
            raise StorageRewriteError(f"buffer {buffer.name} mapped to two allocations")
        return new

    def _access(self, node):
        entry = self.alloc_map.get(node.buffer.data)
        if entry is None:
            return node
        indices = node.indices
        if entry.bits_offset:
            shift = E.IntImm(indices[-1].dtype, entry.bits_offset // dt.bits(node.buffer.dtype))
            indices = indices[:-1] + (shift + indices[-1],)
        return _replace_access(node, self._remap_buffer(node.buffer, entry.alloc_var), indices)

    def visit_BufferStore(self, node):
        return self._access(self.generic_visit(node))

    def visit_BufferLoad(self, node):
        return self._access(self.generic_visit(node))

    def visit_Var(self, node):
        entry = self.alloc_map.get(node)
        return node if entry is None else entry.alloc_var

    def visit_Call(self, node):
        if node.op != "tir.tvm_access_ptr" or node.args[1] not in self.alloc_map:
            return self.generic_visit(node)
        entry = self.alloc_map[node.args[1]]
        dtype_arg, _, offset, extent, mask = node.args
        offset, extent = self.visit(offset), self.visit(extent)
        if entry.bits_offset:
            offset = E.IntImm(offset.dtype, entry.bits_offset // dt.bits(dtype_arg.dtype)) + offset
        return E.Call(node.dtype, node.op, (dtype_arg, entry.alloc_var, offset, extent, mask))

    def visit_AttrStmt(self, node):
        key = node.attr_key
        if key in ("thread_extent", "virtual_thread") or key.startswith("pragma_"):
            new = self.generic_visit(node)
            entries = self.attach_map.get(node)
            if entries:
                new = S.AttrStmt(new.node, key, new.value, _make_attach(entries, new.body))
            return new
        if key == "volatile_scope" and node.node in self.alloc_map:
            new = self.generic_visit(node)
            return S.AttrStmt(self.alloc_map[node.node].alloc_var, key, new.value, new.body)
        return self.generic_visit(node)

    def visit_For(self, node):
        new = self.generic_visit(node)
        entries = self.attach_map.get(node)
        if entries:
            new = replace(new, body=_make_attach(entries, new.body))
        return new

    def visit_Allocate(self, node):
        return self.visit(node.body)


def _round_up(bits, align):
    return bits if bits % align == 0 else bits + align - bits % align


def _replace_access(node, buffer, indices):
    if isinstance(node, S.BufferStore):
        return S.BufferStore(buffer, node.value, indices)
    return E.BufferLoad(buffer, indices)

"""A stage: how one operation of the DAG is turned into loops (TVM's `te.Stage`).

Each primitive first validates its arguments and raises a `ScheduleError` naming the
primitive, the stage and the axis; only then does it record what it means: a relation
(`Split`, `Fuse`), a change of the leaf loop order, an attachment or an attribute of an
axis. Nothing here computes ranges or builds loops (see `bound` and `schedule_ops`).

    s[C].split(C.op.axis[0], factor=4)      for i in 0..10       for i.outer in 0..3
                                               body(i)      ->     for i.inner in 0..4
                                                                     body(i.outer*4 + i.inner)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, List, Optional

from ..te.tensor import ComputeOp
from ..te.tensor_intrin import TensorIntrin
from ..tir import dtype as dt
from ..tir import op as _op
from ..tir.expr import (IntImm, IterVar, IterVarType, PrimExpr, Range, StringImm,
                        Var)
from .errors import argument_error, axis_name, schedule_error
from .record import recorded
from .relations import Fuse, Singleton, Split

# attach types, TVM's AttachType codes: kGroupRoot (at the root, or where its group goes),
# kInline, kInlinedAlready (after normalize), kScope (compute_at), kScanUpdate (computed
# inside a scan's loop: the scan's body)
ROOT, INLINE, INLINED, SCOPE, SCAN_UPDATE = 1, 2, 3, 4, 5

VIRTUAL_THREAD_TAGS = ("vthread", "cthread")
_THREAD_RANKS = {"blockIdx": 0, "threadIdx": 1}


def thread_rank(tag):
    """TVM's ThreadScope rank of a thread tag: 0 for GPU blocks, 1 for GPU threads and
    virtual threads (which run at the level of local memory); None for an unknown tag."""
    if tag.startswith("vthread") or tag == "cthread":
        return 1
    kind, _, dim = tag.partition(".")
    return _THREAD_RANKS.get(kind) if dim in ("x", "y", "z") else None
STORAGE_RANKS = {"global": 0, "shared": 1, "warp": 2, "local": 3}
_SPLITTABLE = (IterVarType.DATA_PAR, IterVarType.COMM_REDUCE)


# the loop kind of each annotation primitive's IterVarAttr.iter_type
FOR_KINDS = {IterVarType.UNROLLED: "unrolled", IterVarType.VECTORIZED: "vectorized",
             IterVarType.PARALLELIZED: "parallel"}


@dataclass
class IterVarAttr:
    """What a schedule says about one axis besides relations, with TVM's field names:
    `iter_type` (kUnrolled/kVectorized/kParallelized/kTensorized once annotated),
    the thread it is bound to, the tensorize intrinsic, storage_align's factor and offset
    (factor 0: not aligned) and the pragmas, keys as StringImm and values as expressions
    (None: no value). minitvm has no `prefetch` (TVM's InjectPrefetch is left out of the
    pipeline), so `prefetch_data`/`prefetch_offset` stay empty."""
    iter_type: int = IterVarType.DATA_PAR
    bind_thread: Optional[IterVar] = None
    prefetch_data: List[Any] = field(default_factory=list)
    prefetch_offset: List[PrimExpr] = field(default_factory=list)
    tensor_intrin: Optional[TensorIntrin] = None
    dim_align_factor: int = 0
    dim_align_offset: int = 0
    pragma_keys: List[StringImm] = field(default_factory=list)
    pragma_values: List[Optional[PrimExpr]] = field(default_factory=list)

    @property
    def pragmas(self):
        """[(key, value)] of the pragmas, keys as Python strings."""
        return [(key.value, value) for key, value in zip(self.pragma_keys, self.pragma_values)]

    def copy(self):
        return replace(self, pragma_keys=list(self.pragma_keys),
                       pragma_values=list(self.pragma_values))


def scan_group(stage):
    """The scan body group `stage` is in (directly or through nested groups), or None."""
    g = stage.group
    while g is not None and g.attach_type != SCAN_UPDATE:
        g = g.group
    return g


def in_group(stage, group):
    """True when `stage` is in `group` or in a group nested in it."""
    g = stage.group
    while g is not None and g is not group:
        g = g.group
    return g is group


class Stage:
    """The schedule of `op`: its leaf loops (outermost first), relations and attachment."""

    def __init__(self, op, schedule, is_output):
        self.op = op
        self.origin_op = op
        self.schedule = schedule
        self.is_output = is_output
        self.all_iter_vars = list(op.root_iter_vars) if op is not None else []
        # opaque axes (a scan's spatial axes) are not loops of the stage
        self.leaf_iter_vars = [iv for iv in self.all_iter_vars
                               if iv.iter_type != IterVarType.OPAQUE]
        self.relations = []
        self.iter_var_attrs = {}
        self.attach_type = ROOT
        self.attach_ivar = None
        self.attach_stage = None
        self.scope = ""
        self.store_predicate = None
        self.double_buffered = False
        self.group = None                 # the create_group group the stage is in
        self.launched_threads = []        # TVM's StageNode::env_threads

    def attach_spec(self):
        """The stage whose attachment applies (TVM's GetAttachSpec): a stage left at the
        root inside a group goes where its group goes."""
        spec = self
        while spec.attach_type == ROOT and spec.group is not None:
            spec = spec.group
        return spec

    def __repr__(self):
        return f"stage({self.op.name})"

    # --- validation helpers ------------------------------------------------------------

    def _leaf_position(self, primitive, iv):
        """Position of `iv` among the leaf loops, or an error saying why it is not one."""
        if not isinstance(iv, IterVar):
            raise argument_error(primitive, self, "axis", "must be an IterVar of the stage", iv)
        for k, leaf in enumerate(self.leaf_iter_vars):
            if leaf is iv:
                return k
        if any(v is iv for v in self.all_iter_vars):
            raise schedule_error(primitive, self, "the axis was already split or fused; "
                                 "use the axes that replaced it", iv)
        owner = self.schedule.stage_owning(iv)
        if owner is not None:
            raise schedule_error(primitive, self, f"the axis belongs to stage "
                                 f"'{owner.op.name}', not to this one", iv)
        raise schedule_error(primitive, self, "the axis is not an axis of this stage", iv)

    def _attr(self, iv):
        attr = self.iter_var_attrs.get(iv)
        if attr is None:
            attr = self.iter_var_attrs[iv] = IterVarAttr()
        return attr

    # --- loop structure ----------------------------------------------------------------

    @recorded(lambda parent, factor=None, nparts=None, **_: "split" if factor is not None
              else "split_by_nparts")
    def split(self, parent, factor=None, nparts=None, disable_predication=False):
        """Split `parent` into (outer, inner), either `factor` inner iterations per outer
        one or `nparts` outer iterations (an int, or an integer expression such as a
        `te.var`). A factor that does not divide the extent adds a bound check around the
        body, unless `disable_predication` (the caller promises it divides)."""
        pos = self._leaf_position("split", parent)
        if (factor is None) == (nparts is None):
            raise schedule_error("split", self, "give exactly one of factor= and nparts=",
                                 parent)
        name, value = ("factor", factor) if factor is not None else ("nparts", nparts)
        value = self._split_amount(name, value)
        if parent.iter_type not in _SPLITTABLE:
            raise schedule_error("split", self, "only data-parallel and reduction axes can "
                                 "be split", parent)
        if self.iter_var_attrs.get(parent, IterVarAttr()).bind_thread is not None:
            raise schedule_error("split", self, "the axis is bound to a thread; split it "
                                 "before binding", parent)
        outer = IterVar(None, Var(parent.var.name + ".outer", parent.var.dtype),
                        parent.iter_type)
        inner = IterVar(None, Var(parent.var.name + ".inner", parent.var.dtype),
                        parent.iter_type)
        self.relations.append(Split(parent, outer, inner,
                                    value if name == "factor" else None,
                                    value if name == "nparts" else None,
                                    bool(disable_predication)))
        self.all_iter_vars += [outer, inner]
        self.leaf_iter_vars[pos:pos + 1] = [outer, inner]
        return outer, inner

    def _split_amount(self, name, value):
        """A positive int, or a symbolic integer expression, for split's `name`."""
        if isinstance(value, IntImm):
            value = value.value
        if isinstance(value, PrimExpr):
            if not dt.is_integer(value.dtype):
                raise argument_error("split", self, name, "must be a positive integer or "
                                     f"an integer expression, not of dtype {value.dtype}",
                                     value)
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise argument_error("split", self, name, "must be a positive integer", value)
        return value

    def tile(self, x_parent, y_parent, x_factor, y_factor):
        """Split `x_parent` by `x_factor` and `y_parent` by `y_factor` and order the loops
        (x_outer, y_outer, x_inner, y_inner), which are returned."""
        self._leaf_position("tile", x_parent)
        self._leaf_position("tile", y_parent)
        if x_parent is y_parent:
            raise schedule_error("tile", self, "x_parent and y_parent must be two different "
                                 "axes", x_parent)
        x_outer, x_inner = self.split(x_parent, factor=x_factor)
        y_outer, y_inner = self.split(y_parent, factor=y_factor)
        self.reorder(x_outer, y_outer, x_inner, y_inner)
        return x_outer, y_outer, x_inner, y_inner

    @recorded("fuse")
    def fuse(self, *axes):
        """Fuse adjacent leaf axes (outermost first) into one loop; returns it. One axis
        is returned as it is; no axis adds a new outermost loop of one iteration,
        `singleton`, to attach other stages at."""
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = tuple(axes[0])
        if not axes:
            singleton = IterVar(Range(IntImm("int32", 0), IntImm("int32", 1)),
                                Var("singleton", "int32"), IterVarType.DATA_PAR)
            self.relations.append(Singleton(singleton))
            self.all_iter_vars.append(singleton)
            self.leaf_iter_vars.insert(0, singleton)
            return singleton
        fused = axes[0]
        self._leaf_position("fuse", fused)
        for inner in axes[1:]:
            fused = self._fuse_pair(fused, inner)
        return fused

    @recorded("fuse")
    def _fuse_pair(self, outer, inner):
        pos_outer = self._leaf_position("fuse", outer)
        pos_inner = self._leaf_position("fuse", inner)
        if pos_inner + 1 == pos_outer:
            outer, inner, pos_outer, pos_inner = inner, outer, pos_inner, pos_outer
        if pos_inner != pos_outer + 1:
            raise schedule_error(
                "fuse", self, f"axes '{axis_name(outer)}' (loop {pos_outer}) and "
                f"'{axis_name(inner)}' (loop {pos_inner}) are not adjacent; reorder first",
                inner)
        for iv in (outer, inner):
            if iv.iter_type not in _SPLITTABLE:
                raise schedule_error("fuse", self, "only data-parallel and reduction axes "
                                     "can be fused", iv)
        fused = IterVar(None, Var(f"{outer.var.name}.{inner.var.name}.fused",
                                  outer.var.dtype), max(outer.iter_type, inner.iter_type))
        self.relations.append(Fuse(outer, inner, fused))
        self.all_iter_vars.append(fused)
        self.leaf_iter_vars[pos_outer:pos_inner + 1] = [fused]
        return fused

    @recorded("reorder")
    def reorder(self, *axes):
        """Put the given leaf axes, in this order, into the positions they occupy."""
        seen = []
        for iv in axes:
            if any(iv is s for s in seen):
                raise schedule_error("reorder", self, "the axis is given more than once", iv)
            seen.append(iv)
        positions = [self._leaf_position("reorder", iv) for iv in axes]
        for pos, iv in zip(sorted(positions), axes):
            self.leaf_iter_vars[pos] = iv

    # --- placement ---------------------------------------------------------------------

    @recorded("compute_at")
    def compute_at(self, parent, scope):
        """Compute this stage inside loop `scope` of stage `parent`, only the region that
        one iteration of `scope` needs (bound inference finds it).

        As TVM's, only the arguments and the group rule are checked here; whether the
        attachment is legal as a whole is checked when lowering, where TVM checks it, on
        the finished schedule: no cycle of attachments (`graph.attach_paths`), an output
        stays at the root and every consumer is computed inside the loop (`bound`)."""
        self._check_attach_point(parent, scope)
        if self.group is not None and not in_group(parent, self.group):
            raise schedule_error("compute_at", self, f"the stage is in a group; stage "
                                 f"'{parent.op.name}' is not in it", scope)
        self.attach_type = SCOPE
        self.attach_ivar = scope
        self.attach_stage = parent

    def _check_attach_point(self, parent, scope):
        """compute_at's argument checks, for a stage or a group: `parent` is a stage (a
        group has no loops) and `scope` one of its loops."""
        if not isinstance(parent, Stage) or parent.op is None:
            raise argument_error("compute_at", self, "parent", "must be a stage (s[tensor])",
                                 parent)
        if not any(iv is scope for iv in parent.leaf_iter_vars):
            raise schedule_error("compute_at", self, f"the axis is not a loop of stage "
                                 f"'{parent.op.name}'", scope)

    @recorded("compute_root")
    def compute_root(self):
        """Compute this stage at the root of the program, or of its group (the default):
        a stage of a scan's body stays in the scan's loop, as its group goes there."""
        self.to_root()

    def to_root(self):
        """compute_root, unrecorded: what the schedule's own rewrites use."""
        self.attach_type = ROOT
        self.attach_ivar = self.attach_stage = None

    def join(self, home):
        """A stage made by a dataflow rewrite of stage `home` (a cache, a factored
        reduction) goes in `home`'s group (a scan's body is one), at its root."""
        self.group = home.group
        self.to_root()

    @recorded("compute_inline")
    def compute_inline(self):
        """Substitute this stage's body into its consumers instead of storing it. Which
        stages can be inlined is checked when lowering (`normalize.inject_inline`), as in
        TVM."""
        self.attach_type = INLINE

    @recorded("set_scope")
    def set_scope(self, scope):
        """Store this stage in memory `scope` ("global", "local", "local.acc_buffer"...)."""
        self.check_scope("set_scope", scope)
        self.scope = scope

    def check_scope(self, primitive, scope):
        """Raise unless `scope` names a storage scope."""
        if not isinstance(scope, str) or scope.split(".")[0] not in STORAGE_RANKS:
            raise argument_error(primitive, self, "scope", "must be one of "
                                 f"{', '.join(STORAGE_RANKS)} (optionally '.tag')", scope)

    # --- loop annotations --------------------------------------------------------------

    def pragma(self, var, pragma_type, pragma_value=None):
        """Annotate loop `var` with AttrStmt "pragma_<type>" (unroll/vectorize: the kind)."""
        if pragma_type == "unroll":
            return self.unroll(var)
        if pragma_type == "vectorize":
            return self.vectorize(var)
        return self._pragma(var, pragma_type, pragma_value)

    @recorded("pragma")
    def _pragma(self, var, pragma_type, pragma_value):
        self._leaf_position("pragma", var)
        if not isinstance(pragma_type, str) or not pragma_type:
            raise argument_error("pragma", self, "pragma_type", "must be a non-empty string",
                                 pragma_type)
        if pragma_value is not None:
            try:
                pragma_value = _op.convert(pragma_value)
            except TypeError:
                raise argument_error("pragma", self, "pragma_value", "must be a number, "
                                     "string or expression", pragma_value) from None
        attr = self._attr(var)
        attr.pragma_keys.append(StringImm(pragma_type))
        attr.pragma_values.append(pragma_value)
        return None

    @recorded("unroll")
    def unroll(self, var):
        self._set_for_kind("unroll", var, IterVarType.UNROLLED)

    @recorded("vectorize")
    def vectorize(self, var):
        self._set_for_kind("vectorize", var, IterVarType.VECTORIZED)

    @recorded("parallel")
    def parallel(self, var):
        self._set_for_kind("parallel", var, IterVarType.PARALLELIZED)

    def _set_for_kind(self, primitive, var, iter_type):
        self._leaf_position(primitive, var)
        if var.iter_type != IterVarType.DATA_PAR and iter_type != IterVarType.UNROLLED:
            raise schedule_error(primitive, self, "only data-parallel axes can be "
                                 f"{FOR_KINDS[iter_type]}", var)
        self._attr(var).iter_type = iter_type

    @recorded("bind")
    def bind(self, ivar, thread_ivar):
        """Run loop `ivar` on a thread index: a GPU block or thread (`te.thread_axis(
        "blockIdx.x")`, `"threadIdx.y"`, ...) or a virtual thread (`"vthread"`,
        `"cthread"`)."""
        self._leaf_position("bind", ivar)
        if not isinstance(thread_ivar, IterVar) or \
                thread_ivar.iter_type != IterVarType.THREAD_INDEX:
            raise argument_error("bind", self, "thread_ivar", "must be a te.thread_axis",
                                 thread_ivar)
        if thread_rank(thread_ivar.thread_tag) is None:
            raise argument_error("bind", self, "thread_ivar", "must be a thread axis tagged "
                                 "'blockIdx.x/y/z', 'threadIdx.x/y/z', 'vthread' or "
                                 "'cthread'", thread_ivar.thread_tag)
        if ivar.iter_type not in _SPLITTABLE:
            raise schedule_error("bind", self, "only data-parallel and reduction axes can "
                                 "be bound to a thread", ivar)
        current = self.iter_var_attrs.get(ivar)
        if current is not None and current.bind_thread is not None:
            raise schedule_error("bind", self, f"the axis is already bound to thread "
                                 f"'{current.bind_thread.var.name}'", ivar)
        for iv, attr in self.iter_var_attrs.items():
            if attr.bind_thread is thread_ivar:
                raise schedule_error("bind", self, f"thread '{thread_ivar.var.name}' is "
                                     f"already bound to axis '{axis_name(iv)}'", ivar)
        self._attr(ivar).bind_thread = thread_ivar

    @recorded("tensorize")
    def tensorize(self, var, tensor_intrin):
        """Replace the loops from `var` inward by the intrinsic (checked when lowering)."""
        self._leaf_position("tensorize", var)
        if not isinstance(tensor_intrin, TensorIntrin):
            raise argument_error("tensorize", self, "tensor_intrin",
                                 "must be a te.decl_tensor_intrin result", tensor_intrin)
        if not isinstance(self.op, ComputeOp):
            raise schedule_error("tensorize", self, "only a compute can be tensorized", var)
        for iv, attr in self.iter_var_attrs.items():
            if attr.tensor_intrin is not None and iv is not var:
                raise schedule_error("tensorize", self, f"axis '{axis_name(iv)}' is "
                                     "already tensorized", var)
        attr = self._attr(var)
        attr.iter_type = IterVarType.TENSORIZED
        attr.tensor_intrin = tensor_intrin

    # --- storage ---------------------------------------------------------------------

    @recorded("set_store_predicate")
    def set_store_predicate(self, predicate):
        """Store only where `predicate` (a boolean expression of the stage's axes or
        threads) holds; the loops still run everywhere."""
        if not isinstance(predicate, PrimExpr) or predicate.dtype != "bool":
            raise argument_error("set_store_predicate", self, "predicate",
                                 "must be a boolean expression", predicate)
        self.store_predicate = predicate

    @recorded("storage_align")
    def storage_align(self, axis, factor, offset):
        """Pad dimension `axis` of the stage's buffer: the stride of the dimension
        outside it becomes `factor * k + offset` (TVM's buffer_dim_align)."""
        if not isinstance(self.op, ComputeOp):
            raise schedule_error("storage_align", self, "only a compute has a buffer to "
                                 "align; an input's buffer is the caller's", axis)
        if not any(iv is axis for iv in self.op.axis):
            raise schedule_error("storage_align", self, "the axis must be a dimension of "
                                 "the stage's output (one of op.axis)", axis)
        for name, value in (("factor", factor), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 \
                    or (name == "factor" and value == 0):
                raise argument_error("storage_align", self, name, "must be a "
                                     f"{'positive' if name == 'factor' else 'non-negative'} "
                                     "integer", value)
        attr = self._attr(axis)
        attr.dim_align_factor, attr.dim_align_offset = factor, offset

    @recorded("double_buffer")
    def double_buffer(self):
        """Allocate the stage twice inside the loop it is attached at, so that iteration
        i + 1 is produced while iteration i is consumed (InjectDoubleBuffer)."""
        if self.is_output:
            raise schedule_error("double_buffer", self, "an output of the schedule cannot "
                                 "be double buffered")
        self.double_buffered = True

    @recorded("env_threads")
    def env_threads(self, threads):
        """Launch `threads` (thread axes with a range, `te.thread_axis((0, n), tag)`)
        around a scan's loop, outermost first: they become its outermost loops, so the
        scan's stages can bind to them or be computed at them (TVM's persistent
        kernels). Only a scan (a composite op) has them."""
        from ..te.scan import ScanOp
        if not isinstance(self.op, ScanOp):
            raise schedule_error("env_threads", self, "only a scan (te.scan) can launch "
                                 "environment threads")
        if self.launched_threads:
            raise schedule_error("env_threads", self, "the threads are already set")
        threads = list(threads) if isinstance(threads, (list, tuple)) else [threads]
        for t in threads:
            if not isinstance(t, IterVar) or t.iter_type != IterVarType.THREAD_INDEX \
                    or t.dom is None or thread_rank(t.thread_tag) is None:
                raise argument_error("env_threads", self, "threads", "must be thread axes "
                                     "with a range, te.thread_axis((0, n), tag)", t)
        self.leaf_iter_vars[0:0] = threads
        self.all_iter_vars += threads
        self.launched_threads = threads

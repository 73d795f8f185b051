"""VerifyGEMMKernels (phase 3, first VTA pass, before LowerDeviceStorageAccessInfo): checks,
without rewriting anything, that every tensorized GEMM's micro-op kernel obeys the rules
VTA's runtime enforces when the kernel is recorded (spec vta.md 4.2, 4.3), and reports a
broken rule at build time in the schedule's terms.

The runtime sees a kernel only as numbers; here its body still names the tensorized
stage (the accumulator its `uop_push`es write), the stage's loops and its input buffers.
The kernel the runtime will record is what LowerDeviceStorageAccessInfo and FoldUopLoop
make of that body, so the check runs those two passes on a copy of the function and
pairs the kernels with the named bodies (both passes keep every `coproc_uop_scope`, in
order). It runs after phase 3's Simplify has removed loops of extent 1, which changes
which loops FoldUopLoop can fold. The rules:

* one reset flag per kernel: the accumulator reset and the accumulation must not fall
  into one kernel (they merge when nothing, such as the input buffers' loads, runs
  between them);
* any two micro-ops within a distance of 2 write different accumulator elements (the
  GEMM pipeline's `VerifyDep`);
* the kernel fits the micro-op buffer;
* the kernel depends on at most one int32 variable from outside it (the runtime keys a
  call site's kernels by one int32 value, in practice the virtual-thread index), whose
  values stay within the runtime's 99 kernel slots per call site.

Common-subexpression elimination runs after this pass and can still make a kernel depend
on a variable it introduces; the host code generator reports that (`vta.build`).
"""
from __future__ import annotations

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import Visitor, post_order_visit
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from ..environment import VTAError, get_env
from .common import ACCESS_PTR, PUSH_GEMM, UOP_PUSH, UOP_SCOPE, free_vars, is_call, uses_var
from .fold_uop_loop import ADDRESS_ARGS, fold_uop_loop
from .linear import Linear
from .lower_device_storage_access_info import lower_device_storage_access_info

MAX_CLOSURE_VALUE = 98        # the runtime's kernel slot, value + 1, must stay below 100
PIPELINE_DISTANCE = 2         # VerifyDep: the previous two micro-ops


class UopKernelError(VTAError, ValueError):
    """A tensorized GEMM whose micro-op kernel VTA's runtime would refuse."""


class _GEMMScopes(Visitor):
    """The GEMM `coproc_uop_scope`s in order, each with the loops around it."""

    def __init__(self):
        self.scopes, self.loops = [], []

    def visit_For(self, s):
        self.loops.append(s)
        self.generic_visit(s)
        self.loops.pop()

    def visit_AttrStmt(self, s):
        if (s.attr_key == UOP_SCOPE and isinstance(s.value, E.StringImm)
                and s.value.value == PUSH_GEMM.value):
            self.scopes.append((s, list(self.loops)))
        else:
            self.generic_visit(s)


def _gemm_scopes(body):
    finder = _GEMMScopes()
    finder.visit(body)
    return finder.scopes


def _pushes(stmt):
    """The `uop_push` calls in `stmt`, in program order."""
    found = []
    post_order_visit(stmt, lambda n: found.append(n) if is_call(n, UOP_PUSH) else None)
    return found


def _buffer_name(arg):
    return arg.args[1].name if is_call(arg, ACCESS_PTR) else None


class _Kernel:
    """A named GEMM kernel: its stage (accumulator), input buffers and pushes."""

    def __init__(self, scope):
        self.pushes = _pushes(scope.body)
        names = [_buffer_name(p.args[2]) for p in self.pushes]
        self.stage = next((n for n in names if n), "?")
        self.inputs = sorted({n for p in self.pushes for n in map(_buffer_name, p.args[3:5])
                              if n})

    def error(self, rule):
        return UopKernelError(f"tensorized stage '{self.stage}': {rule}")


def _check_one_reset_flag(kernel):
    flags = {p.args[1].value for p in kernel.pushes if isinstance(p.args[1], E.IntImm)}
    if len(flags) > 1:
        inputs = " and ".join(f"'{n}'" for n in kernel.inputs) or "its input buffers"
        raise kernel.error(
            "its accumulator reset and its accumulation fall into one micro-op kernel, but a "
            "VTA kernel resets or accumulates, not both: nothing runs between them on the "
            f"device. Attach {inputs} inside the stage (compute_at at one of its reduction "
            "axes, as the tutorials do) so that their loads separate the two")


class _Unfollowed(Exception):
    """A kernel body with control flow the static reading does not model."""


class _MicroOps:
    """The micro-ops a kernel body records, in order: `(dst key, loops, dst form)` for
    each, where `loops` pairs each enclosing loop with its value. A shape this reading
    does not follow raises _Unfollowed (the runtime's own checks then remain)."""

    def __init__(self):
        self.forms = {}                 # id(push) -> Linear form of its dst index
        self.nonaffine = {}             # (id(push), loop var) -> read inside an atom

    def walk(self, stmt, loops):
        if isinstance(stmt, S.SeqStmt):
            for child in stmt.seq:
                yield from self.walk(child, loops)
        elif isinstance(stmt, S.For):
            if not (isinstance(stmt.min, E.IntImm) and isinstance(stmt.extent, E.IntImm)):
                raise _Unfollowed
            for value in range(stmt.min.value, stmt.min.value + stmt.extent.value):
                yield from self.walk(stmt.body, loops + [(stmt, value)])
        elif isinstance(stmt, S.Evaluate) and is_call(stmt.value, UOP_PUSH):
            yield self.dst_key(stmt.value, loops), loops, self.forms[id(stmt.value)]
        elif not isinstance(stmt, S.Evaluate):
            raise _Unfollowed

    def dst_key(self, push, loops):
        """The accumulator element the push names at these loop values, comparable."""
        form = self.forms.get(id(push))
        if form is None:
            form = self.forms[id(push)] = Linear.of(push.args[2])
        for loop, value in loops:
            if self._nonaffine(push, loop.loop_var):
                raise _Unfollowed
            form = form.without(loop.loop_var) + form.coeff(loop.loop_var) * value
        return tuple((key, c) for key, (_, c) in form.terms.items()), form.const

    def _nonaffine(self, push, var):
        """Whether `var` occurs inside an atom of the push's dst form, asked once per
        push and loop: putting loop values into the form drops only the atoms that are
        the loop variables themselves and adds constants, so every form on the way
        answers as the push's own."""
        key = (id(push), var)
        found = self.nonaffine.get(key)
        if found is None:
            found = self.nonaffine[key] = self.forms[id(push)].mentions_inside_atoms(var)
        return found


def _loop_text(loops):
    return ", ".join(f"'{f.loop_var.name}' ({f.extent})" for f, _ in loops) or "none"


def _check_pipeline_distance(kernel, lowered, depth):
    recent, count = [], 0
    try:
        for dst, loops, form in _MicroOps().walk(lowered.body, []):
            if dst in recent:
                first = count - len(recent) + recent.index(dst)
                raise kernel.error(_same_element_rule(first, count, loops, form))
            recent = (recent + [dst])[-PIPELINE_DISTANCE:]
            count += 1
            if count > depth:
                raise kernel.error(
                    f"its GEMM micro-op kernel has more than {depth} micro-ops (loops "
                    f"{_loop_text(loops)}, innermost last), more than VTA's micro-op buffer "
                    "holds: split the stage's axes so that less of it is computed per kernel, "
                    "or attach it at an inner axis of its consumer")
    except _Unfollowed:
        return


def _same_element_rule(first, second, loops, form):
    inner = ""
    if loops:
        var, extent = loops[-1][0].loop_var, loops[-1][0].extent
        inner = (f"; its innermost loop '{var.name}' does not change the element" if
                 not form.coeff(var) else
                 f"; its innermost loop '{var.name}' has only {extent} iterations")
    return (f"micro-ops {first} and {second} of its GEMM kernel (loops {_loop_text(loops)}, "
            f"innermost last) write the same accumulator element, but VTA's GEMM pipeline "
            f"needs any two micro-ops within a distance of {PIPELINE_DISTANCE} to write "
            f"different elements{inner}. Make an output axis with at least "
            f"{PIPELINE_DISTANCE + 1} iterations the innermost loop above the tensorized axis "
            "(reorder the reduction axes outside it, or choose a split factor of 3 or more)")


def _indexed_by(kernel, lowered, var):
    """The buffers (accumulator, inputs) whose micro-op index uses `var`."""
    names = []
    for named, push in zip(kernel.pushes, _pushes(lowered.body)):
        for slot in ADDRESS_ARGS:
            name = _buffer_name(named.args[slot])
            if name and name not in names and uses_var(push.args[slot], var):
                names.append(name)
    return " and ".join(f"'{n}'" for n in names) or "its indices"


def _check_closure(kernel, lowered, loops_around):
    free = free_vars(lowered.body)
    if len(free) > 1 or any(v.dtype != "int32" for v in free):
        uses = "; ".join(f"'{v.name}' by {_indexed_by(kernel, lowered, v)}" for v in free)
        raise kernel.error(
            f"its GEMM micro-op kernel depends on {len(free)} variables defined outside it "
            f"({', '.join(repr(v.name) for v in free)}), but VTA's runtime keys a kernel by "
            "a single int32 value (spec vta.md 4.3), in practice the virtual-thread index: "
            f"the kernel's indices move with {uses}; attach those buffers (compute_at) "
            "inside the loops named, so that their indices inside the kernel do not")
    loop = next((f for f in loops_around if free and f.loop_var is free[0]), None)
    if loop is None or not (isinstance(loop.extent, E.IntImm) and isinstance(loop.min, E.IntImm)):
        return
    last = loop.min.value + loop.extent.value - 1
    if last > MAX_CLOSURE_VALUE:
        raise kernel.error(
            f"its GEMM micro-op kernel depends on loop '{loop.loop_var.name}' (values up to "
            f"{last}, used by {_indexed_by(kernel, lowered, loop.loop_var)}): one kernel is "
            f"recorded per value, and VTA's runtime keys them by values up to "
            f"{MAX_CLOSURE_VALUE}; attach those buffers (compute_at) inside that loop")


@lowering_pass("tir.vta.VerifyGEMMKernels", requires=(FLATTENED,))
def verify_gemm_kernels(func):
    """Refuse tensorized GEMM stages whose micro-op kernels VTA's runtime would refuse."""
    named = _gemm_scopes(func.body)
    if not named:
        return func
    lowered = _gemm_scopes(fold_uop_loop(lower_device_storage_access_info(func)).body)
    depth = get_env().UOP_BUFF_DEPTH
    for (scope, loops_around), (kernel_scope, _) in zip(named, lowered):
        kernel = _Kernel(scope)
        _check_one_reset_flag(kernel)
        _check_closure(kernel, kernel_scope, loops_around)
        _check_pipeline_distance(kernel, kernel_scope, depth)
    return func

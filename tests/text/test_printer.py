"""TVMScript printer rules (spec §1): names, frames, grids, parentheses, literals, calls."""
import pytest

from minitvm import tir as T
from minitvm.tir import stmt as S
from minitvm.tir.printer import format_expr, format_stmt


def loop(var, extent, body, kind=S.ForKind.SERIAL, start=0):
    return S.For(var, T.const(start), T.const(extent), kind, body)


def store(buf, value, index):
    return S.BufferStore(buf, T.convert(value), (T.convert(index),))


def module_text(body, params=(), buffer_map=None, attrs=None):
    func = T.PrimFunc(tuple(params), body, buffer_map or {},
                      {"global_symbol": "main"} if attrs is None else attrs)
    return str(T.IRModule({"main": func}))


def body_lines(text):
    """The function body lines of a module listing, without the 8-space indent."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    def ")) + 1
    return [line[8:] for line in lines[start:]]


x, y, z = T.Var("x"), T.Var("y"), T.Var("z")


@pytest.mark.parametrize("expr, want", [
    ((x + y) * z, "(x + y) * z"),
    (x * (y + z), "x * (y + z)"),
    (x - (y - z), "x - (y - z)"),
    (x - (y + z), "x - (y + z)"),
    (x + y - z, "x + y - z"),
    (x // (y * z), "x // (y * z)"),
    (T.floormod(x * y, z), "x * y % z"),
    (T.all(x < y, y <= z, x == 1), "x < y and y <= z and x == 1"),
    (T.any(x < y, T.all(y < z, x < z)), "x < y or y < z and x < z"),
    (T.all(T.any(x < y, y < z), x < z), "(x < y or y < z) and x < z"),
    (T.expr.Not(T.all(x < y, y < z)), "not (x < y and y < z)"),
    (T.min(x + 1, y), "T.min(x + 1, y)"),
    (T.expr.Mod(x, y), "T.truncmod(x, y)"),
    (T.expr.Add(x, T.const(0)), "T.Add(x, 0)"),      # the sugar would fold: keep the call
    (T.expr.Mul(T.const(2), T.const(3)), "T.Mul(2, 3)"),
])
def test_expression_text(expr, want):
    assert format_expr(expr) == want


@pytest.mark.parametrize("expr, want", [
    (T.const(5), "5"),
    (T.const(-3), "-3"),
    (T.const(0, "int8"), "T.int8(0)"),
    (T.const(7, "int64"), "T.int64(7)"),
    (T.const(True), "T.bool(True)"),
    (T.const(0.5), "T.float32(0.5)"),
    (T.StringImm("VTAPushGEMMOp"), '"VTAPushGEMMOp"'),
    (T.cast("int32", T.Var("b", "int8")), 'T.Cast("int32", b)'),
    (x >> 8, "T.shift_right(x, 8)"),
    (T.if_then_else(x < 1, y, z), "T.if_then_else(x < 1, y, z)"),
    (T.call_extern("int32", "VTAUopLoopEnd"), 'T.call_extern("int32", "VTAUopLoopEnd")'),
    (T.call_intrin("int32", "tir.vta.coproc_dep_push", 3, 2), "T.tir.vta.coproc_dep_push(3, 2)"),
])
def test_literals_and_calls(expr, want):
    assert format_expr(expr) == want


def test_header_signature_and_sorted_attributes():
    handle = T.Var("A", "handle")
    buf = T.decl_buffer((4, 8), "int8", "A")
    text = module_text(S.Evaluate(T.const(0)), [handle], {handle: buf},
                       {"tir.noalias": True, "global_symbol": "main",
                        "from_legacy_te_schedule": True})
    assert text.splitlines()[:7] == [
        "# from tvm.script import ir as I",
        "# from tvm.script import tir as T",
        "",
        "@I.ir_module",
        "class Module:",
        "    @T.prim_func",
        '    def main(A: T.Buffer((4, 8), "int8")):',
    ]
    assert body_lines(text)[0] == ('T.func_attr({"from_legacy_te_schedule": T.bool(True), '
                                   '"global_symbol": "main", "tir.noalias": T.bool(True)})')


def test_private_function_without_global_symbol():
    text = module_text(S.Evaluate(T.const(0)), attrs={})
    assert "    @T.prim_func(private=True)" in text.splitlines()


def test_names_are_sanitized_and_deduplicated():
    outer, inner = T.Var("i2.outer"), T.Var("i2.outer")
    buf = T.decl_buffer((4,), "int32", "i2_outer_1")
    body = loop(outer, 2, loop(inner, 3, store(buf, outer + inner, 0),
                               kind=S.ForKind.PARALLEL))
    assert format_stmt(body).splitlines() == [
        "for i2_outer in range(2):",
        "    for i2_outer_1 in T.parallel(3):",
        '        i2_outer_1_1 = T.Buffer((4,), "int32")',
        "        i2_outer_1_1[0] = i2_outer + i2_outer_1",
    ]


def test_grid_chain_and_its_ends():
    a, b, c, d = (T.Var(n) for n in "abcd")
    buf = T.decl_buffer((64,), "int32", "buf")
    inner = loop(c, 4, S.For(d, T.const(0), c + 1, S.ForKind.SERIAL, store(buf, d, c)))
    text = format_stmt(loop(a, 2, loop(b, 3, inner)))
    assert text.splitlines()[:2] == ["for a, b, c in T.grid(2, 3, 4):",
                                     "    for d in range(c + 1):"]
    shifted = format_stmt(loop(a, 4, store(buf, a, a), start=1))
    assert "for a in range(1, 5):" in shifted


def test_concise_scoping_only_for_the_last_statement():
    v, w = T.Var("v"), T.Var("w")
    buf = T.decl_buffer((8,), "int32", "buf")
    body = T.seq(S.LetStmt(v, x + 1, store(buf, v, 0)),
                 S.LetStmt(w, x + 2, store(buf, w, 1)))
    lines = body_lines(module_text(body, [x]))
    assert lines == [
        'T.func_attr({"global_symbol": "main"})',
        'buf = T.Buffer((8,), "int32")',
        "with T.LetStmt(x + 1) as v:",
        "    buf[0] = v",
        "w: T.int32 = x + 2",
        "buf[1] = w",
    ]


def test_allocate_and_attr_forms():
    data = T.Var("acc", "handle", T.PointerType("int32", "local.acc_buffer"))
    view = T.decl_buffer((16,), "int32", "acc", data=data)
    iv = T.IterVar(None, T.Var("vta"), T.IterVarType.THREAD_INDEX, "vta")
    inner = S.AttrStmt(iv, "coproc_uop_scope", T.StringImm("VTAPushALUOp"), store(view, 1, 0))
    body = S.Allocate(data, "int32", (T.const(16),), T.const(True),
                      T.seq(inner, S.AttrStmt(iv, "coproc_scope", T.const(2), store(view, 2, 1))))
    lines = body_lines(module_text(body))[1:]
    assert lines == [
        'acc = T.allocate([16], "int32", "local.acc_buffer")',
        "vta = T.int32()",
        'acc_1 = T.Buffer((16,), "int32", data=acc, scope="local.acc_buffer")',
        'with T.attr(T.iter_var(vta, None, "ThreadIndex", "vta"), "coproc_uop_scope", "VTAPushALUOp"):',
        "    acc_1[0] = 1",
        'T.attr(T.iter_var(vta, None, "ThreadIndex", "vta"), "coproc_scope", 2)',
        "acc_1[1] = 2",
    ]


def test_buffer_used_by_two_loops_is_declared_before_the_first():
    i, j = T.Var("i"), T.Var("j")
    buf = T.decl_buffer((4,), "int32", "buf")
    body = T.seq(loop(i, 4, store(buf, i, i)), loop(j, 4, store(buf, j, j)))
    assert body_lines(module_text(body))[1:] == [
        'buf = T.Buffer((4,), "int32")',
        "for i in range(4):",
        "    buf[i] = i",
        "for j in range(4):",
        "    buf[j] = j",
    ]


def test_statement_forms():
    buf = T.decl_buffer((4,), "int32", "buf")
    body = S.IfThenElse(x < 2, store(buf, 1, 0), store(buf, 2, 0))
    assert format_stmt(body).splitlines() == [          # free names are declared first
        "x = T.int32()", 'buf = T.Buffer((4,), "int32")', "if x < 2:", "    buf[0] = 1", "else:", "    buf[0] = 2"]
    assert format_stmt(S.Evaluate(T.const(0))) == "T.evaluate(0)"
    call = T.call_extern("int32", "VTADepPop", 2, 1)
    assert format_stmt(S.Evaluate(call)) == 'T.call_extern("int32", "VTADepPop", 2, 1)'


def test_thread_extent_prints_as_launch_thread():
    iv = T.IterVar(T.Range.from_min_extent(0, 16), T.Var("blockIdx.x"),
                   T.IterVarType.THREAD_INDEX, "blockIdx.x")
    buf = T.decl_buffer((16,), "int32", "buf")
    body = S.AttrStmt(iv, "thread_extent", T.const(16), store(buf, iv.var, iv.var))
    # the launch encloses every use of the thread var, so it defines it (TVM's
    # DocsifyLaunchThread, as in the schedule_primitives listing)
    assert body_lines(module_text(body))[1:] == [
        'blockIdx_x = T.launch_thread("blockIdx.x", 16)',
        'buf = T.Buffer((16,), "int32")',
        "buf[blockIdx_x] = blockIdx_x",
    ]


def test_thread_var_used_outside_its_launch_is_declared_by_env_thread():
    iv = T.IterVar(T.Range.from_min_extent(0, 16), T.Var("threadIdx.x"),
                   T.IterVarType.THREAD_INDEX, "threadIdx.x")
    buf = T.decl_buffer((16,), "int32", "buf")
    body = T.seq(S.AttrStmt(iv, "thread_extent", T.const(16), store(buf, 1, iv.var)),
                 store(buf, iv.var, 0))
    assert body_lines(module_text(body))[1:] == [
        'threadIdx_x = T.env_thread("threadIdx.x")',
        'buf = T.Buffer((16,), "int32")',
        "with T.launch_thread(threadIdx_x, 16):",
        "    buf[threadIdx_x] = 1",
        "buf[0] = threadIdx_x",
    ]


def test_variable_used_outside_its_binding_site_is_declared_once_and_reused():
    """Regression: an allocation hoisted out of the loop that binds a variable in its
    extent (the fuse/split/compute_at case) crashed the printer with a KeyError when the
    frames closed. TVM's DefineVar keeps a var's existing doc: the lazy `i = T.int32()`
    declaration serves the loop too, and a let re-binding a defined var prints
    `with T.LetStmt(value, var=name)` (`printer/tir/{utils.h,for_loop.cc,stmt.cc}`)."""
    i, j, k = T.Var("i"), T.Var("j"), T.Var("k")
    data = T.Var("B", "handle", T.PointerType("int32", "global"))
    buf = T.decl_buffer((i * 2 + j,), "int32", "B", data=data)
    inner = S.LetStmt(j, i + 1, loop(k, 2, store(buf, j, i * 2 + k)))
    body = S.Allocate(data, "int32", (i * 2 + j,), T.const(True),
                      T.seq(loop(i, 3, inner), loop(k, 2, store(buf, 0, k))))
    assert body_lines(module_text(body))[1:] == [
        "i = T.int32()",
        "j = T.int32()",
        'B = T.allocate([i * 2 + j], "int32", "global")',
        'B_1 = T.Buffer((i * 2 + j,), "int32", data=B)',
        "for i in range(3):",
        "    with T.LetStmt(i + 1, var=j):",
        "        for k in range(2):",
        "            B_1[i * 2 + k] = j",
        "for k in range(2):",
        "    B_1[k] = 0",
    ]

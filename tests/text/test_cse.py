"""CommonSubexprElimTIR rules and the traces of spec §2.3 on small functions."""
from minitvm import tir as T
from minitvm.tir import stmt as S
from minitvm.tir.printer import format_stmt
from minitvm.transform.cse import common_subexpr_elim


def loops(names_extents, body_fn):
    variables = [T.Var(n) for n, _ in names_extents]
    stmt = body_fn(*variables)
    for var, (_, extent) in reversed(list(zip(variables, names_extents))):
        stmt = S.For(var, T.const(0), T.const(extent), S.ForKind.SERIAL, stmt)
    return stmt


def cse_text(body, params=()):
    """The CSE'd body as text, without the declarations of buffers and free variables."""
    func = T.PrimFunc(tuple(params), body, {}, {})
    lines = format_stmt(common_subexpr_elim(func).body).splitlines()
    return [line for line in lines if " = T.Buffer(" not in line and " = T.int32()" not in line]


def buffer(name, n=1 << 20, dtype="int32"):
    return T.decl_buffer((n,), dtype, name)


def test_reduction_trace_round_two_wraps_round_one():
    """L1: S is bound in round 1; j*16, left in both S and D, in round 2 (printed first)."""
    out, data = buffer("out"), buffer("data", dtype="int8")

    def body(co, i, j, ci, dy, dx):
        s = co * 3136 + i * 224 + j * 16 + ci
        d = i * 256 + dy * 256 + j * 16 + dx * 16
        value = T.BufferLoad(out, (s,)) + T.BufferLoad(data, (d,)).astype("int32")
        return S.BufferStore(out, value, (s,))
    lines = cse_text(loops([("co", 16), ("i", 14), ("j", 14), ("ci", 16), ("dy", 3), ("dx", 3)],
                           body))
    assert [line.strip() for line in lines[-3:]] == [
        "cse_var_2: T.int32 = j * 16",
        "cse_var_1: T.int32 = co * 3136 + i * 224 + cse_var_2 + ci",
        "out[cse_var_1] = out[cse_var_1] + T.Cast(\"int32\", "
        "data[i * 256 + dy * 256 + cse_var_2 + dx * 16])",
    ]


def test_bigger_computation_first_then_its_part_rewrites_the_first_let():
    """L2 shr: X + 12544 and X both occur twice; X's let ends up outside."""
    buf = buffer("buf")

    def body(i, j):
        x = i * 16 + j
        return T.seq(S.BufferStore(buf, T.BufferLoad(buf, (x,)) >> 8, (x,)),
                     S.BufferStore(buf, T.BufferLoad(buf, (x + 12544,)) >> 8, (x + 12544,)))
    lines = cse_text(loops([("i", 4), ("j", 16)], body))
    assert lines[1:5] == [
        "    cse_var_2: T.int32 = i * 16 + j",
        "    cse_var_1: T.int32 = cse_var_2 + 12544",
        "    buf[cse_var_2] = T.shift_right(buf[cse_var_2], 8)",
        "    buf[cse_var_1] = T.shift_right(buf[cse_var_1], 8)",
    ]


def test_equal_sizes_order_by_legacy_text():
    """L3: max(x*7 - 6, 0) sorts before max(1 - x*7, 0) ('(' < '1'); x*7 comes in round 2."""
    x = T.Var("x")
    top, bottom = T.max(1 - x * 7, 0), T.max(x * 7 - 6, 0)

    def call():
        return S.Evaluate(T.call_extern("int32", "Load", top, bottom))
    lines = cse_text(S.For(T.Var("k"), T.const(0), T.const(4), S.ForKind.SERIAL,
                           T.seq(call(), call())), [x])
    assert lines[1:4] == [
        "    cse_var_3: T.int32 = x * 7",
        "    cse_var_2: T.int32 = T.max(1 - cse_var_3, 0)",
        "    cse_var_1: T.int32 = T.max(cse_var_3 - 6, 0)",
    ]


def test_split_parts_raise_counts():
    """L2 init: X + 12544 (seen once) splits into X, which is then seen twice."""
    buf = buffer("buf")
    lines = cse_text(loops([("i", 4), ("j", 16)], lambda i, j: T.seq(
        S.BufferStore(buf, T.const(0), (i * 16 + j,)),
        S.BufferStore(buf, T.const(0), (i * 16 + j + 12544,)))))
    assert lines[1:4] == ["    cse_var_1: T.int32 = i * 16 + j",
                          "    buf[cse_var_1] = 0",
                          "    buf[cse_var_1 + 12544] = 0"]


def test_nothing_is_commoned_across_or_out_of_a_loop():
    buf = buffer("buf")

    def body(i, j):
        inner = S.For(T.Var("k"), T.const(0), T.const(4), S.ForKind.SERIAL,
                      S.BufferStore(buf, T.const(1), (i * 16 + j,)))
        return T.seq(S.BufferStore(buf, T.const(0), (i * 16 + j,)), inner)
    assert not any("cse_var" in line for line in cse_text(loops([("i", 4), ("j", 16)], body)))


def test_an_enclosing_let_with_the_same_value_is_reused():
    a, b, v = T.Var("a"), T.Var("b"), T.Var("v")
    buf = buffer("buf")
    inner = S.For(T.Var("k"), T.const(0), T.const(4), S.ForKind.SERIAL,
                  S.BufferStore(buf, T.const(0), ((a + b) * 3,)))
    lines = cse_text(S.LetStmt(v, a + b, inner), [a, b])
    assert lines[-1] == "    buf[v * 3] = 0"


def test_calls_and_loads_are_not_commoned_but_their_arguments_are():
    buf, src = buffer("buf"), buffer("src")
    lines = cse_text(loops([("i", 8)], lambda i: S.BufferStore(
        buf, T.BufferLoad(src, (i * 2,)) + T.BufferLoad(src, (i * 2,)), (i,))))
    assert lines[1:] == ["    cse_var_1: T.int32 = i * 2",
                         "    buf[i] = src[cse_var_1] + src[cse_var_1]"]


def test_new_names_skip_names_already_in_the_body():
    taken = T.Var("cse_var_1")
    buf = buffer("buf")
    lines = cse_text(S.For(taken, T.const(0), T.const(4), S.ForKind.SERIAL, T.seq(
        S.BufferStore(buf, T.const(0), (taken * 4 + 1,)),
        S.BufferStore(buf, T.const(1), (taken * 4 + 1,)))))
    assert lines[1] == "    cse_var_2: T.int32 = cse_var_1 * 4 + 1"


def test_only_computations_in_scope_are_introduced():
    """A computation using a variable defined nowhere around it is split, and its parts
    (seen once each) are not bound either."""
    buf = buffer("buf")
    free = T.Var("tid")
    body = loops([("i", 4)], lambda i: T.seq(S.BufferStore(buf, T.const(0), (i * 4 + free,)),
                                             S.BufferStore(buf, T.const(1), (i * 4 + free,))))
    assert not any("cse_var" in line for line in cse_text(body))
    assert any("cse_var" in line for line in cse_text(body, [free]))


def test_a_computation_repeated_inside_one_expression_becomes_a_let_expression():
    """Regression (found by the schedule property tests: a stage attached at a split of
    a fused loop inside another such loop): a loop extent in which `q * (p + 2)` occurs
    twice, `p` also inside it, gets nested `T.Let` expressions. The second round sorts
    candidates containing the first `Let` by TVM's legacy text, which had no form for a
    Let (`(let v = value in body)`, legacy_repr.cc) and raised TypeError."""
    buf = buffer("buf")

    def body(o, q):
        i = T.Var("i")
        p = T.floordiv(T.floordiv(T.floormod(o * 2, 3) + 1, 3) * 3, 2)
        r = q * (p + 2)
        extent = T.floordiv(p + r + 1, 3) + 1 - T.floordiv(r, 3)
        return S.For(i, T.const(0), extent, S.ForKind.SERIAL, S.BufferStore(buf, i, (i,)))
    lines = cse_text(loops([("o", 3), ("q", 2)], body))
    assert lines[1] == (
        "    for i in range(T.Let(T.Let((cse_var_2 + cse_var_1 + 1) // 3 + 1 - cse_var_1 // 3,"
        " where={cse_var_1: q * (cse_var_2 + 2)}),"
        " where={cse_var_2: (o * 2 % 3 + 1) // 3 * 3 // 2})):")


def test_a_node_made_by_reusing_a_let_is_commoned_with_its_equals():
    """Spec §2.2: (a) replaces `a + b` by the enclosing `v`, which turns `(a + b) * 3` into
    `v * 3`; (b) then binds `v * 3` (seen twice) and replaces every occurrence in the
    current result, the one just made included. Candidates in order: `(a + b) * 3`
    (5 nodes, seen once, split), then the 3-node `(a + b)` before `(v*3)` by legacy text."""
    a, b, v = T.Var("a"), T.Var("b"), T.Var("v")
    buf = buffer("buf")
    stores = T.seq(S.BufferStore(buf, T.const(5), (a + b,)),
                   S.BufferStore(buf, T.const(0), ((a + b) * 3,)),
                   S.BufferStore(buf, T.const(1), (v * 3,)),
                   S.BufferStore(buf, T.const(2), (v * 3,)))
    loop = S.For(T.Var("k"), T.const(0), T.const(4), S.ForKind.SERIAL, stores)
    assert [line.strip() for line in cse_text(S.LetStmt(v, a + b, loop), [a, b])] == [
        "v: T.int32 = a + b",
        "for k in range(4):",
        "cse_var_1: T.int32 = v * 3",
        "buf[v] = 5",
        "buf[cse_var_1] = 0",
        "buf[cse_var_1] = 1",
        "buf[cse_var_1] = 2",
    ]

"""A compact text outline of pre-flattening IR, independent of the TVMScript printer,
so structure tests read like the loop nests they check. Accesses of parameter buffers
print as `name@[...]`, of TE tensors as `name[...]`."""
from minitvm.tir import expr as E
from minitvm.tir import stmt as S

_INFIX = {E.Add: "+", E.Sub: "-", E.Mul: "*", E.FloorDiv: "//", E.FloorMod: "%",
          E.LT: "<", E.LE: "<=", E.GT: ">", E.GE: ">=", E.EQ: "==", E.NE: "!=",
          E.And: "and", E.Or: "or"}


def expr(e):
    """Fully parenthesized text of an expression."""
    for cls in type(e).__mro__:
        if cls in _INFIX:
            return f"({expr(e.a)} {_INFIX[cls]} {expr(e.b)})"
    if isinstance(e, E.Var):
        return e.name
    if isinstance(e, (E.IntImm, E.FloatImm)):
        return str(e.value)
    if isinstance(e, E.StringImm):
        return repr(e.value)
    if isinstance(e, (E.Min, E.Max)):
        return f"{type(e).__name__.lower()}({expr(e.a)}, {expr(e.b)})"
    if isinstance(e, E.Cast):
        return f"{e.dtype}({expr(e.value)})"
    if isinstance(e, E.ProducerLoad):
        return f"{e.producer.name}[{', '.join(expr(i) for i in e.indices)}]"
    if isinstance(e, E.BufferLoad):
        return f"{e.buffer.name}@[{', '.join(expr(i) for i in e.indices)}]"
    if isinstance(e, E.Call):
        return f"{e.op}({', '.join(expr(a) for a in e.args)})"
    if isinstance(e, E.Reduce):
        return f"reduce({expr(e.source[0])})"
    raise TypeError(type(e).__name__)


def _node_name(node):
    if isinstance(node, E.IterVar):
        return node.var.name
    if isinstance(node, tuple):
        return f"({node[0].name}, {node[1].name})"
    return getattr(node, "name", repr(node))


def outline(stmt, indent=0):
    """Lines of `stmt`, two spaces per nesting level."""
    pad = "  " * indent
    if isinstance(stmt, S.SeqStmt):
        return [line for s in stmt.seq for line in outline(s, indent)]
    if isinstance(stmt, S.AttrStmt):
        head = f"{pad}attr {stmt.attr_key} {_node_name(stmt.node)} = {expr(stmt.value)}"
    elif isinstance(stmt, S.ProducerRealize):
        bounds = ", ".join(f"{expr(r.min)}:{expr(r.extent)}" for r in stmt.bounds)
        head = f"{pad}realize {stmt.producer.name}[{bounds}] {stmt.storage_scope!r}"
    elif isinstance(stmt, S.For):
        kind = "" if stmt.kind == "serial" else f" {stmt.kind}"
        head = f"{pad}for {stmt.loop_var.name} in {expr(stmt.min)}:{expr(stmt.extent)}{kind}"
    elif isinstance(stmt, S.LetStmt):
        head = f"{pad}let {stmt.var.name} = {expr(stmt.value)}"
    elif isinstance(stmt, S.IfThenElse):
        lines = [f"{pad}if {expr(stmt.condition)}"] + outline(stmt.then_case, indent + 1)
        if stmt.else_case is not None:
            lines += [f"{pad}else"] + outline(stmt.else_case, indent + 1)
        return lines
    elif isinstance(stmt, S.ProducerStore):
        idx = ", ".join(expr(i) for i in stmt.indices)
        return [f"{pad}{stmt.producer.name}[{idx}] = {expr(stmt.value)}"]
    elif isinstance(stmt, S.BufferStore):
        idx = ", ".join(expr(i) for i in stmt.indices)
        return [f"{pad}{stmt.buffer.name}@[{idx}] = {expr(stmt.value)}"]
    elif isinstance(stmt, S.BufferRealize):
        head = f"{pad}realize {stmt.buffer.name}@"
    elif isinstance(stmt, S.Evaluate):
        return [f"{pad}eval {expr(stmt.value)}"]
    else:
        raise TypeError(type(stmt).__name__)
    return [head] + outline(stmt.body, indent + 1)


def skeleton(stmt):
    """Only the loops, lets, realizes and virtual threads, as in `outline`."""
    keep = ("for ", "let ", "realize ", "attr virtual_thread", "attr pragma")
    return [line for line in outline(stmt) if line.strip().startswith(keep)]


_EVAL = {E.Add: lambda a, b: a + b, E.Sub: lambda a, b: a - b, E.Mul: lambda a, b: a * b,
         E.FloorDiv: lambda a, b: a // b, E.FloorMod: lambda a, b: a % b,
         E.Min: min, E.Max: max}


def evaluate(e, **env):
    """The integer value of `e` with variables given by name (dots as underscores)."""
    if isinstance(e, E.IntImm):
        return e.value
    if isinstance(e, E.Var):
        return env[e.name.replace(".", "_")]
    for cls in type(e).__mro__:
        if cls in _EVAL:
            return _EVAL[cls](evaluate(e.a, **env), evaluate(e.b, **env))
    raise TypeError(type(e).__name__)


def find(stmt, predicate):
    """Every node below `stmt` (statements and expressions) for which `predicate` holds."""
    from minitvm.tir.functor import post_order_visit
    found = []
    post_order_visit(stmt, lambda n: found.append(n) if predicate(n) else None)
    return found


def realize_of(stmt, name):
    """The ProducerRealize (or BufferRealize) of the tensor named `name`."""
    hits = find(stmt, lambda n: isinstance(n, S.ProducerRealize) and n.producer.name == name)
    assert len(hits) == 1, f"{len(hits)} realizes of {name}"
    return hits[0]

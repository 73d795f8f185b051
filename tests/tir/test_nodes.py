"""Expression construction follows TVM's operator semantics (dtype matching, folding)."""
import dataclasses
import inspect

import pytest

import minitvm.tir as T
from minitvm.tir import expr, stmt


def test_python_int_takes_the_other_operands_dtype():
    x = T.Var("x", "int8")
    assert (x + 1).dtype == "int8"
    assert (1 + x).b is x


def test_integers_widen_to_the_wider_dtype():
    a, b = T.Var("a", "int8"), T.Var("b", "int32")
    e = a * b
    assert e.dtype == "int32" and isinstance(e.a, T.Cast)


def test_constants_fold_and_identities_vanish():
    x = T.Var("x")
    assert (T.const(3) + 4).value == 7
    assert (x + 0) is x and (x * 1) is x and (x - 0) is x
    assert (T.const(-7) // 2).value == -4 and (T.const(-7) % 2).value == 1


def test_equality_builds_a_node_whose_truth_is_identity():
    x, y = T.Var("x"), T.Var("y")
    assert isinstance(x == y, T.EQ)
    assert bool(x == x) and not bool(x == y)
    assert {x: 1}[x] == 1


def test_expression_as_python_bool_is_an_error():
    x = T.Var("x")
    with pytest.raises(TypeError, match="Python bool"):
        if x < 3:
            pass


def test_float_and_handle_do_not_mix():
    with pytest.raises(T.DTypeMismatchError, match="handle"):
        T.Var("p", "handle") + T.Var("f", "float32")


def test_mutator_shares_unchanged_subtrees():
    x = T.Var("x")
    e = x * 16 + 3
    assert T.Mutator().visit(e) is e


def _node_classes():
    return [c for m in (expr, stmt) for c in vars(m).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c)
            and c.__module__ == m.__name__]


def test_node_constructors_take_the_fields_with_their_defaults():
    # the slot-setting __init__ (node.slot_init) has the dataclass's parameters
    classes = _node_classes()
    assert len(classes) > 30
    for cls in classes:
        fields = dataclasses.fields(cls)
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert [p.name for p in params] == [f.name for f in fields], cls
        for p, f in zip(params, fields):
            want = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
            assert p.default == want, (cls, f.name)


def test_a_node_built_by_keyword_holds_its_fields_and_stays_frozen():
    i = T.Var("i")
    body = stmt.Evaluate(T.const(0))
    loop = stmt.For(loop_var=i, min=T.const(0), extent=T.const(4), kind="serial", body=body)
    assert (loop.loop_var, loop.min.value, loop.extent.value, loop.kind, loop.body,
            loop.thread_binding, loop.annotations) == (i, 0, 4, "serial", body, None, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        loop.kind = "unrolled"
    assert dataclasses.replace(loop, kind="unrolled").kind == "unrolled"


def test_every_node_refuses_assigning_and_deleting_any_attribute():
    nodes = [T.Var("v"), T.const(3), T.Var("v") + 1, stmt.Evaluate(T.const(0))]
    for node in nodes:
        for name in ("dtype" if isinstance(node, expr.PrimExpr) else "value", "other"):
            with pytest.raises(dataclasses.FrozenInstanceError, match=f"assign to field '{name}'"):
                setattr(node, name, None)
            with pytest.raises(dataclasses.FrozenInstanceError, match=f"delete field '{name}'"):
                delattr(node, name)


def test_copies_and_pickles_of_a_node_hold_its_fields_and_stay_frozen():
    import copy
    import pickle
    loop = stmt.For(T.Var("i"), T.const(0), T.const(4), "serial", stmt.Evaluate(T.const(1)),
                    annotations=(("pragma", 1),))
    for twin in (copy.copy(loop), copy.deepcopy(loop), pickle.loads(pickle.dumps(loop))):
        assert type(twin) is stmt.For and twin is not loop
        assert [f.name for f in dataclasses.fields(twin)] == [f.name for f in
                                                               dataclasses.fields(loop)]
        assert (twin.kind, twin.extent.value, twin.annotations) == ("serial", 4, (("pragma", 1),))
        with pytest.raises(dataclasses.FrozenInstanceError):
            twin.kind = "unrolled"
    assert copy.copy(loop).loop_var is loop.loop_var


def test_a_node_without_a_docstring_has_the_one_a_dataclass_writes():
    undocumented = 0
    for cls in _node_classes():
        fields = dataclasses.fields(cls)
        namespace = {"__annotations__": {f.name: f.type for f in fields},
                     "__module__": cls.__module__}
        namespace.update({f.name: f.default for f in fields
                          if f.default is not dataclasses.MISSING})
        twin = dataclasses.dataclass(type(cls.__name__, (), namespace))
        if cls.__doc__.startswith(cls.__name__ + "("):       # not written in the source
            undocumented += 1
            assert cls.__doc__ == twin.__doc__, cls
    assert undocumented > 20


def test_a_statement_reprs_as_the_dataclass_writes_it():
    i = T.Var("i")
    loop = stmt.For(i, T.const(0), T.const(4), "serial", stmt.Evaluate(T.const(1)),
                    annotations=(("pragma", 1),))
    for node in (loop, loop.body, stmt.SeqStmt((loop.body, loop.body))):
        fields = dataclasses.fields(node)
        twin_class = dataclasses.dataclass(type(type(node).__name__, (),
                                                {"__annotations__": {f.name: f.type for f in
                                                                     fields}}))
        twin = twin_class(**{f.name: getattr(node, f.name) for f in fields})
        assert repr(node) == repr(twin)
    assert repr(loop.body) == "Evaluate(value=1)"

"""tvm.ir's operator registry and the LowerIntrin pass that applies lowering rules at
build time; the intrinsic-math tutorial (CPU parts) end to end. Each test registers its
own operator names, since registrations last for the process, as in TVM."""
import itertools
import subprocess
import sys

import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.driver import BUILD_PIPELINE
from minitvm.ir import Op, register_intrin_lowering, register_op_attr
from minitvm.ir.op import OpRegistryError
from minitvm.target import Target, TargetNotEnabledError
from minitvm.transform.lower_intrin import IntrinLoweringError, lower_intrin
from reference_text import ROOT, TUTORIAL_OUTPUTS

_names = (f"tir.test_op{k}" for k in itertools.count())


def unary_program(op_name, dtype="float32"):
    A = te.placeholder((6,), name="A", dtype=dtype)
    B = te.compute(A.shape, lambda i: tvm.tir.call_intrin(dtype, op_name, A[i]), name="B")
    return te.create_schedule(B.op), A, B


def lowered_store_value(op_name, target="llvm"):
    s, A, B = unary_program(op_name)
    func = tvm.lower(s, [A, B], name="f")["f"]
    body = lower_intrin(func, Target(target)).body
    while not hasattr(body, "value"):
        body = body.body
    return body.value


def test_a_rule_for_the_target_rewrites_the_call_and_the_build_runs_it():
    name = next(_names)
    register_op_attr(name, "TCallEffectKind", tvm.tir.CallEffectKind.Pure)
    register_intrin_lowering(name, target="llvm", level=99,
                             f=lambda op: tvm.tir.call_pure_extern("float32", "sqrtf",
                                                                   op.args[0]))
    value = lowered_store_value(name)
    assert value.op == "tir.call_pure_extern" and value.args[0].value == "sqrtf"
    s, A, B = unary_program(name)
    f = tvm.build(s, [A, B], "llvm")
    a = np.arange(1, 7, dtype="float32")
    b = tvm.nd.array(np.zeros(6, "float32"))
    f(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), np.sqrt(a), rtol=1e-6)


def test_rules_of_other_targets_do_not_apply_and_default_rules_do():
    name = next(_names)
    register_intrin_lowering(name, target="cuda", f=lambda op: te.exp(op.args[0]))
    assert lowered_store_value(name).op == name
    register_intrin_lowering(name, target="default", f=lambda op: te.log(op.args[0]))
    assert lowered_store_value(name).op == "tir.log"


def test_a_rule_result_is_lowered_again_and_declining_keeps_the_call():
    first, second = next(_names), next(_names)
    register_intrin_lowering(first, "llvm", f=lambda op: tvm.tir.call_intrin(
        op.dtype, second, op.args[0]))
    register_intrin_lowering(second, "llvm", f=lambda op: te.sqrt(op.args[0]))
    assert lowered_store_value(first).op == "tir.sqrt"
    declined = next(_names)
    register_intrin_lowering(declined, "llvm", f=lambda op: op)
    assert lowered_store_value(declined).op == declined


def test_levels_higher_replaces_lower_is_ignored():
    name = next(_names)
    register_intrin_lowering(name, "llvm", f=lambda op: te.exp(op.args[0]), level=20)
    register_intrin_lowering(name, "llvm", f=lambda op: te.log(op.args[0]), level=10)
    assert lowered_store_value(name).op == "tir.exp"
    register_intrin_lowering(name, "llvm", f=lambda op: te.sqrt(op.args[0]), level=30)
    assert lowered_store_value(name).op == "tir.sqrt"


def test_decorator_forms_and_op_attributes():
    name = next(_names)

    @register_op_attr(name, "FMyAttr")
    def attr(x):
        return x

    @register_intrin_lowering(name, target="llvm")
    def rule(op):
        return te.exp(op.args[0])

    assert Op.get(name).get_attr("FMyAttr") is attr
    assert Op.get(name).get_attr("llvm.FLowerIntrinsic") is rule
    assert Op.get(name).get_attr("missing") is None


def test_build_pipeline_lists_lower_intrin():
    assert [step for step, _ in BUILD_PIPELINE] == ["tir.VerifyMemory", "tir.LowerIntrin"]


# --- misuse, one test per rule
def test_registering_an_attribute_twice_at_one_level_is_refused():
    name = next(_names)
    register_op_attr(name, "FMyAttr", 1)
    with pytest.raises(OpRegistryError, match=f"FMyAttr of {name} is already registered "
                                              f"with same plevel=10"):
        register_op_attr(name, "FMyAttr", 2)


def test_unknown_op_is_refused_by_op_get():
    with pytest.raises(OpRegistryError, match="Cannot find op 'tir.never_registered'"):
        Op.get("tir.never_registered")


def test_a_rule_must_be_callable():
    with pytest.raises(OpRegistryError, match="the rule must be callable"):
        register_intrin_lowering(next(_names), "llvm", f=3)


def test_a_rule_must_return_an_expression():
    name = next(_names)
    register_intrin_lowering(name, "llvm", f=lambda op: None)
    s, A, B = unary_program(name)
    with pytest.raises(IntrinLoweringError, match=f"for {name} returned None, not an "
                                                  f"expression"):
        tvm.build(s, [A, B], "llvm")


def test_an_unlowered_custom_op_is_refused_by_the_host_build():
    from minitvm.codegen.context import HostCodegenError
    s, A, B = unary_program(next(_names))
    with pytest.raises(HostCodegenError, match="which the host CPU cannot run"):
        tvm.build(s, [A, B], "llvm")


@pytest.mark.parametrize("target", ["cuda", "opencl"])
def test_gpu_builds_raise_the_no_gpu_error(target):
    s, A, B = unary_program("tir.exp")
    with pytest.raises(TargetNotEnabledError, match=f"no GPU backend.*'{target}'"):
        tvm.build(s, [A, B], target)


def test_intrin_math_tutorial_runs_its_cpu_parts():
    """Every GPU listing of TVM's tutorial is a no-GPU error here; every CPU kernel equals
    numpy (the tutorial asserts it) and its IR keeps TVM's intrinsic calls."""
    result = subprocess.run([sys.executable, str(ROOT / "tutorials/te/intrin_math.py")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    out = result.stdout
    gpu_listings = (TUTORIAL_OUTPUTS / "intrin_math.txt").read_text().count(
        ".imported_modules[0].get_source())")
    assert out.count("no GPU:") == gpu_listings == 5
    assert out.count(": equal to numpy") == 6
    # A is `te.var`-shaped, so (as in TVM) it is read through its stride
    load = "A_2[i * A_1.strides[0]]"
    assert out.count(f"T.exp({load})") == 4 and out.count(f"T.mylog({load})") == 1
    assert f'T.call_pure_extern("float32", "expf", {load})' in out


def test_an_operator_name_must_be_a_non_empty_string():
    with pytest.raises(OpRegistryError, match="the operator name must be a non-empty "
                                              "string, got ''"):
        register_op_attr("", "TCallEffectKind", 1)

"""Config spaces: enumeration counts derived by hand, index order, entities applied to a
schedule (compared with numpy), fallback configs, and one test per user error."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm import autotvm
from minitvm.autotvm.task import (ConfigIndexError, ConfigSpace, FallbackConfigEntity,
                                  KnobDefinitionError, SplitEntity, get_factors, get_pow2s)
from minitvm.autotvm.task.knobs import AnnotateEntity, OtherOptionEntity
from minitvm.autotvm.task.space import ConfigEntity
from minitvm.tir.expr import IterVarType


def test_factors_and_powers_of_two():
    assert get_factors(64) == [1, 2, 4, 8, 16, 32, 64]
    assert get_factors(56) == [1, 2, 4, 7, 8, 14, 28, 56]
    assert get_factors(1) == [1]
    assert get_pow2s(48) == [1, 2, 4, 8, 16, 32]


@pytest.mark.parametrize("extent,policy,outputs,count", [
    # 64 = 2^6: inner sizes 2^a, 2^b, 2^c with a+b+c <= 6 -> C(6+k, k) ways for k inner axes
    (64, "factors", 2, 7), (64, "factors", 3, 28), (64, "factors", 4, 84),
    # powers of two of 64: the same, a tail never arises
    (64, "power2", 2, 7), (64, "power2", 3, 28),
    # 48 = 2^4*3 has 10 divisors; powers of two up to 48: 1..32 (6), pairs with product <= 48:
    # exponents a+b <= 5 -> 21
    (48, "factors", 2, 10), (48, "power2", 2, 6), (48, "power2", 3, 21),
    # 56 = 2^3*7: pairs (d1, d2) with d1*d2 | 56: sum over divisors d of 56 of tau(56/d) = 30
    (56, "factors", 3, 30),
])
def test_split_counts(extent, policy, outputs, count):
    cfg = ConfigSpace()
    cfg.define_split("t", extent, policy=policy, num_outputs=outputs)
    assert len(cfg.space_map["t"]) == count
    for entity in cfg.space_map["t"].entities:
        inner = int(np.prod(entity.size[1:]))
        assert entity.size[0] == -1 and inner <= extent
        if policy == "factors":
            assert extent % inner == 0


def test_split_order_and_first_entity():
    cfg = ConfigSpace()
    cfg.define_split("t", 8, num_outputs=2)
    assert [e.size for e in cfg.space_map["t"].entities] == [[-1, 1], [-1, 2], [-1, 4], [-1, 8]]
    assert cfg["t"].size == [-1, 1]


def test_space_index_is_mixed_radix_first_knob_fastest():
    cfg = ConfigSpace()
    cfg.define_split("a", 4, num_outputs=2)           # 3 entities
    cfg.define_knob("b", [10, 20])                     # 2
    cfg.define_reorder("c", [0, 1, 2], policy="all")   # 6 permutations
    assert len(cfg) == 36 and cfg.dims == [3, 2, 6]
    config = cfg.get(1 + 3 * 1 + 6 * 4)
    assert config["a"].size == [-1, 2] and config["b"].val == 20
    assert config["c"].perm == [2, 0, 1]
    for point in (0, 7, 35):
        assert cfg.knob2point(cfg.point2knob(point)) == point


def test_candidate_and_filter_policies():
    cfg = ConfigSpace()
    cfg.define_split("t", 16, policy="candidate", num_outputs=2, candidate=[[4, 4], [2, 8]])
    cfg.define_split("u", 16, num_outputs=2, filter=lambda e: e.size[-1] >= 4)
    assert [e.size for e in cfg.space_map["t"].entities] == [[4, 4], [2, 8]]
    assert [e.size[-1] for e in cfg.space_map["u"].entities] == [4, 8, 16]


@pytest.mark.parametrize("size", [[-1, 1, 1], [-1, 2, 4], [-1, 8, 2], [-1, 1, 16]])
def test_split_apply_matches_numpy(size):
    n = 16
    A = te.placeholder((n, n), name="A")
    B = te.compute((n, n), lambda i, j: A[i, j] * 2.0 + 1.0, name="B")
    s = te.create_schedule(B.op)
    axes = SplitEntity(size).apply(s, B, s[B].op.axis[1])
    assert len(axes) == 3
    f = tvm.build(s, [A, B], target="llvm")
    a = np.random.rand(n, n).astype("float32")
    b = tvm.nd.array(np.zeros((n, n), "float32"))
    f(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), a * 2 + 1, rtol=1e-6)


def test_fallback_keeps_first_entities_and_fallback_split():
    cfg = FallbackConfigEntity()
    cfg.define_split("tile_0", 128, num_outputs=3)
    cfg.define_knob("k", [3, 4])
    assert cfg["tile_0"].size == [-1, 1, 1] and cfg["k"].val == 3
    cfg.fallback_split("tile_0", [-1, 8, 4])
    assert cfg["tile_0"].size == [4, 8, 4]
    cfg2 = FallbackConfigEntity()
    cfg2.define_split("tile_0", 49, num_outputs=3)
    cfg2.fallback_split("tile_0", [-1, 8, 4])
    assert cfg2["tile_0"].size == [7, 7, 1]
    cfg.define_split("tile_0", 128, num_outputs=3)     # a second run keeps what was set
    assert cfg["tile_0"].size == [4, 8, 4]


def test_annotate_counts_and_order():
    # try_unroll over 2 axes: 2^2; try_unroll_vec over 3: 3^3 less the 7 with two or three
    # "vec" (3 * 2 with exactly two, 1 with three) = 20; the first axis varies slowest
    cfg = ConfigSpace()
    cfg.define_annotate("r", [cfg.reduce_axis(3), cfg.reduce_axis(3)], policy="try_unroll")
    cfg.define_annotate("s", [cfg.axis(4), cfg.axis(2), cfg.axis(8)], policy="try_unroll_vec")
    assert [e.anns for e in cfg.space_map["r"].entities] == [
        ["none", "none"], ["none", "unroll"], ["unroll", "none"], ["unroll", "unroll"]]
    entities = cfg.space_map["s"].entities
    assert len(entities) == 20 and all(e.anns.count("vec") <= 1 for e in entities)
    assert entities[2].anns == ["none", "none", "vec"]


@pytest.mark.parametrize("anns", [["unroll", "vec"], ["vec", "none"], ["none", "unroll"]])
def test_annotate_apply_matches_numpy(anns):
    A = te.placeholder((4, 8), name="A")
    B = te.compute((4, 8), lambda i, j: A[i, j] * 3.0, name="B")
    s = te.create_schedule(B.op)
    AnnotateEntity(anns).apply(s, B, list(s[B].op.axis), axis_lens=[4, 8])
    kinds = {"unroll": IterVarType.UNROLLED, "vec": IterVarType.VECTORIZED,
             "none": IterVarType.DATA_PAR}
    assert [s[B].iter_var_attrs[iv].iter_type if iv in s[B].iter_var_attrs
            else IterVarType.DATA_PAR for iv in s[B].op.axis] == [kinds[a] for a in anns]
    f = tvm.build(s, [A, B], target="llvm")
    a = np.random.rand(4, 8).astype("float32")
    b = tvm.nd.array(np.zeros((4, 8), "float32"))
    f(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), a * 3, rtol=1e-6)


def test_annotate_limits_make_the_config_invalid():
    A = te.placeholder((32, 8), name="A")
    B = te.compute((32, 8), lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    cfg = FallbackConfigEntity()
    AnnotateEntity(["unroll", "vec"]).apply(s, B, list(s[B].op.axis), axis_lens=[32, 8],
                                            max_unroll=16, vec_size=[4], cfg=cfg)
    assert not cfg.valid()
    assert cfg.errors == ["axis 0 of 32 iterations is too long to unroll (at most 16)",
                          "axis 1 of 8 iterations cannot be vectorized: vector lanes are [4]"]


def test_reorder_candidates_name_virtual_axes():
    # equal extents, distinct axes: the candidates refer to the axes, not their lengths
    cfg = ConfigSpace()
    a, b, c = cfg.axis(3), cfg.axis(3), cfg.reduce_axis(3)
    cfg.define_reorder("re", [a, b, c], policy="candidate", candidate=[[a, b, c], [c, b, a]])
    assert [e.perm for e in cfg.space_map["re"].entities] == [[0, 1, 2], [2, 1, 0]]


def test_fallback_with_reference_log():
    # the reference config whose split extents share most divisors with this space's
    # (64: 7 divisors; 32 shares 6 of them, 48 only 5) gives its inner sizes and its other
    # knobs
    def reference(extent, inner, knob):
        config = ConfigEntity(0, None, {"tile": SplitEntity([extent // inner, inner]),
                                        "k": OtherOptionEntity(knob)})
        return autotvm.MeasureInput("llvm", None, config), None
    cfg = FallbackConfigEntity()
    cfg.define_split("tile", 64, num_outputs=2)
    cfg.define_knob("k", [1, 2, 3])
    cfg.fallback_with_reference_log([reference(48, 16, 2), reference(32, 8, 3)])
    assert cfg["tile"].size == [8, 8] and cfg["k"].val == 3
    empty = FallbackConfigEntity()
    empty.define_split("tile", 64, num_outputs=2)
    empty.fallback_with_reference_log([])
    assert empty["tile"].size == [-1, 1]


# ---- one test per user error ----
def test_error_unknown_policy():
    with pytest.raises(KnobDefinitionError, match="'t'.*unknown policy 'fast'"):
        ConfigSpace().define_split("t", 8, policy="fast", num_outputs=2)


def test_error_missing_num_outputs():
    with pytest.raises(KnobDefinitionError, match="'t': num_outputs"):
        ConfigSpace().define_split("t", 8)


def test_error_knob_defined_twice():
    cfg = ConfigSpace()
    cfg.define_knob("k", [1])
    with pytest.raises(KnobDefinitionError, match="'k' is defined twice"):
        cfg.define_knob("k", [2])


def test_error_empty_knob():
    with pytest.raises(KnobDefinitionError, match="define_knob 'k'"):
        ConfigSpace().define_knob("k", [])


def test_error_undefined_knob():
    cfg = ConfigSpace()
    cfg.define_knob("k", [1])
    with pytest.raises(KnobDefinitionError, match="'tile_x' is not defined; defined knobs: k"):
        cfg["tile_x"]


def test_error_index_outside_space():
    cfg = ConfigSpace()
    cfg.define_knob("k", [1, 2])
    with pytest.raises(ConfigIndexError, match="index 2 is outside the space of 2"):
        cfg.get(2)


def test_error_candidate_of_wrong_length():
    with pytest.raises(KnobDefinitionError, match=r"candidate \[4\] has 1 sizes"):
        ConfigSpace().define_split("t", 16, policy="candidate", num_outputs=2,
                                   candidate=[[4]])


def test_error_axis_without_constant_extent():
    with pytest.raises(KnobDefinitionError, match="'t': axis"):
        ConfigSpace().define_split("t", "x", num_outputs=2)


def test_error_annotate_policy():
    cfg = ConfigSpace()
    with pytest.raises(KnobDefinitionError, match="policy 'bind_gpu' is not made of"):
        cfg.define_annotate("a", [cfg.axis(4)], policy="bind_gpu")


def test_annotate_record_and_feature():
    # records carry TVM's "an" kind; features one-hot each annotation as (none, vec, unroll)
    config = ConfigEntity(5, None, {"a": AnnotateEntity(["unroll", "vec"]),
                                    "t": SplitEntity([-1, 4])})
    encoded = config.to_json_dict()
    assert encoded["entity"][0] == ["a", "an", ["unroll", "vec"]]
    assert ConfigEntity.from_json_dict(encoded) == config
    assert config.get_flatten_feature().tolist() == [0, 0, 1, 0, 1, 0, -1, 4]

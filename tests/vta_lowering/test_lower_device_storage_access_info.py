"""LowerDeviceStorageAccessInfo: SRAM allocations vanish and access pointers become element
indices (spec vta.md 5.11: ÷16 for inputs and accumulators, ÷256 for weights)."""
import pytest

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from vta_backend.build_module import register_memory_scopes
from vta_backend.environment import get_env
from vta_backend.transform import lower_device_storage_access_info
from vta_backend.transform.common import access_ptr, uop_push
from vta_backend.transform.lower_device_storage_access_info import DeviceStorageError

from vtair import alloc, calls, collect, flat, func, load, loop, same_values, store, var

ENV = get_env()
register_memory_scopes(ENV)


def test_gemm_pointers_become_element_indices():
    acc = flat("res_conv", "int32", 25088, ENV.acc_scope)
    inp = flat("data_buf", "int8", 4608, ENV.inp_scope)
    wgt = flat("kernel_buf", "int8", 36864, ENV.wgt_scope)
    t, co = var("cthread_s"), var("co")
    push = uop_push(0, 0, access_ptr(acc.data, "int32", t * 12544 + co * 1568, 16, "rw"),
                    access_ptr(inp.data, "int8", t * 2304 + co * 256, 16),
                    access_ptr(wgt.data, "int8", t * 18432 + co * 2304, 256), 0, 0, 0)
    body = alloc(acc, alloc(inp, alloc(wgt, loop(co, 8, push))))
    out = lower_device_storage_access_info(func(body)).body
    assert not collect(out, S.Allocate)
    (call,) = calls(out, "tir.vta.uop_push")
    ranges = {t: range(2), co: range(8)}
    assert same_values(call.args[2], lambda a, b: a * 784 + b * 98, ranges)
    assert same_values(call.args[3], lambda a, b: a * 144 + b * 16, ranges)
    assert same_values(call.args[4], lambda a, b: a * 72 + b * 9, ranges)
    assert all(a.dtype == "int32" for a in call.args[2:5])


def test_host_access_to_sram_names_the_buffer():
    acc = flat("res_max", "int32", 16, ENV.acc_scope)
    i = var("i")
    body = alloc(acc, loop(i, 16, store(acc, i, load(acc, i) + 1)))
    with pytest.raises(DeviceStorageError, match="res_max is in VTA's local.acc_buffer but is "
                                                 "read or written by the host CPU"):
        lower_device_storage_access_info(func(body))


def test_misaligned_pointer_is_refused():
    inp = flat("data_buf", "int8", 64, ENV.inp_scope)
    body = alloc(inp, S.Evaluate(E.Call("int32", "tir.vta.uop_push",
                                        (access_ptr(inp.data, "int8", 8, 16),))))
    with pytest.raises(DeviceStorageError, match="data_buf: access at 8 does not start on an "
                                                 "element of 128 bits"):
        lower_device_storage_access_info(func(body))

"""Schedule and lowering errors are TVM's `tvm.error.TVMError` (a RuntimeError), as TVM's
C++ checks of the same mistakes raise it; they stay ValueErrors too, the type minitvm
raised for them before, so existing `except ValueError` handlers keep working."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.codegen.context import HostCodegenError
from minitvm.error import TVMError
from minitvm.schedule.errors import ScheduleError, TensorizeError
from minitvm.transform.buffer_bind import BindError
from minitvm.transform.inject_double_buffer import DoubleBufferError
from minitvm.transform.inject_virtual_thread import VirtualThreadError
from minitvm.transform.pass_infra import PassOrderError
from minitvm.transform.storage_flatten import FlattenError
from minitvm.transform.storage_liveness import AccessPatternError
from minitvm.transform.storage_rewrite import StorageRewriteError
from minitvm.transform.unroll_loop import UnrollError


@pytest.mark.parametrize("cls", [ScheduleError, TensorizeError, BindError, DoubleBufferError,
                                 VirtualThreadError, FlattenError, AccessPatternError,
                                 StorageRewriteError, UnrollError, HostCodegenError])
def test_schedule_and_lowering_errors_are_tvm_errors_and_value_errors(cls):
    assert issubclass(cls, TVMError) and issubclass(cls, RuntimeError)
    assert issubclass(cls, ValueError)


def test_pass_order_error_is_a_tvm_error():
    assert issubclass(PassOrderError, TVMError)


def test_an_illegal_split_is_caught_as_tvm_error():
    a = te.placeholder((8,), name="A")
    b = te.compute((8,), lambda i: a[i] + 1, name="B")
    s = te.create_schedule(b.op)
    with pytest.raises(tvm.error.TVMError, match="split on stage 'B'"):
        s[b].split(b.op.axis[0], factor=0)

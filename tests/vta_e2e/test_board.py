"""Board-only entry points: a no-op on the simulator, a clear error where a board is needed."""
import pytest

import vta_backend as vta
from vta_backend.environment import VTAError


def test_programming_the_fpga_is_a_no_op_on_the_simulator():
    assert vta.get_env().TARGET == "sim"
    assert vta.program_fpga(None, bitstream=None) is None


def test_programming_a_board_target_is_refused():
    cfg = dict(vta.get_env().cfg_dict, TARGET="pynq")
    with vta.Environment(cfg):
        with pytest.raises(VTAError, match="TARGET 'pynq' is an FPGA board"):
            vta.program_fpga(None)


def test_reconfiguring_a_board_runtime_is_refused():
    with pytest.raises(VTAError, match="needs the VTA RPC server of an FPGA board"):
        vta.reconfig_runtime(None)

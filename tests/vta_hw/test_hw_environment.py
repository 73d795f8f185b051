"""Environment: the default configuration's fields, switching, config files and their errors."""
import json
import os
import subprocess
import sys

import pytest

import vta_backend as vta
from vta_backend import isa
from vta_backend.environment import (DEFAULT_CONFIG_PATH, ConfigError, Environment, get_env)

DEFAULT = {
    "TARGET": "sim", "HW_VER": "0.0.2", "LOG_INP_WIDTH": 3, "LOG_WGT_WIDTH": 3,
    "LOG_ACC_WIDTH": 5, "LOG_BATCH": 0, "LOG_BLOCK": 4, "LOG_UOP_BUFF_SIZE": 15,
    "LOG_INP_BUFF_SIZE": 15, "LOG_WGT_BUFF_SIZE": 18, "LOG_ACC_BUFF_SIZE": 17,
}


def test_default_configuration_matches_the_spec_table():
    env = vta.get_env()
    expected = {
        "INP_WIDTH": 8, "WGT_WIDTH": 8, "ACC_WIDTH": 32, "OUT_WIDTH": 8, "BATCH": 1,
        "BLOCK_IN": 16, "BLOCK_OUT": 16, "UOP_BUFF_SIZE": 32768, "INP_BUFF_SIZE": 32768,
        "WGT_BUFF_SIZE": 262144, "ACC_BUFF_SIZE": 131072, "OUT_BUFF_SIZE": 32768,
        "INP_ELEM_BITS": 128, "WGT_ELEM_BITS": 2048, "ACC_ELEM_BITS": 512, "OUT_ELEM_BITS": 128,
        "INP_ELEM_BYTES": 16, "WGT_ELEM_BYTES": 256, "ACC_ELEM_BYTES": 64, "OUT_ELEM_BYTES": 16,
        "UOP_BUFF_DEPTH": 8192, "INP_BUFF_DEPTH": 2048, "WGT_BUFF_DEPTH": 1024,
        "ACC_BUFF_DEPTH": 2048, "OUT_BUFF_DEPTH": 2048, "LOG_BLOCK_IN": 4, "LOG_BLOCK_OUT": 4,
        "LOG_OUT_WIDTH": 3, "LOG_OUT_BUFF_SIZE": 15, "inp_dtype": "int8", "wgt_dtype": "int8",
        "acc_dtype": "int32", "out_dtype": "int8", "TARGET": "sim",
        "BITSTREAM": "1x16_i8w8a32_15_15_18_17", "MODEL": "sim_1x16_i8w8a32_15_15_18_17",
        "MAX_XFER": 1 << 22, "inp_scope": "local.inp_buffer", "wgt_scope": "local.wgt_buffer",
        "acc_scope": "local.acc_buffer", "dma_copy": "dma_copy", "alu": "alu",
        "target_host": "llvm",
    }
    assert {k: getattr(env, k) for k in expected} == expected
    assert env.cfg_dict == dict(DEFAULT, LOG_BLOCK_IN=4, LOG_BLOCK_OUT=4, LOG_OUT_WIDTH=3,
                                LOG_OUT_BUFF_SIZE=15)
    assert list(env.cfg_dict)[:11] == list(DEFAULT)
    assert (env.DEBUG_DUMP_INSN, env.DEBUG_DUMP_UOP) == (2, 4)


def test_dev_constants_are_the_isa_numbers():
    dev = get_env().dev
    assert dev is get_env().dev
    assert (dev.MEM_ID_UOP, dev.MEM_ID_WGT, dev.MEM_ID_INP, dev.MEM_ID_ACC, dev.MEM_ID_OUT,
            dev.MEM_ID_ACC_8BIT) == (isa.MEM_UOP, isa.MEM_WGT, isa.MEM_INP, isa.MEM_ACC,
                                     isa.MEM_OUT, isa.MEM_ACC_8BIT)
    assert (dev.ALU_OPCODE_MIN, dev.ALU_OPCODE_MAX, dev.ALU_OPCODE_ADD, dev.ALU_OPCODE_SHR,
            dev.ALU_OPCODE_MUL) == (0, 1, 2, 3, 4)
    assert (dev.QID_LOAD_INP, dev.QID_LOAD_WGT, dev.QID_LOAD_OUT, dev.QID_STORE_OUT,
            dev.QID_COMPUTE) == (1, 1, 2, 3, 2)
    assert not hasattr(dev, "ALU_OPCODE_SUB")


def test_mock_mode_renames_the_pragmas():
    mock = get_env().mock
    assert (mock.dma_copy, mock.alu, mock.mock_mode) == ("skip_dma_copy", "skip_alu", True)
    assert mock.BITSTREAM == get_env().BITSTREAM and mock != get_env()


@pytest.mark.parametrize("target, host", [
    ("sim", "llvm"), ("tsim", "llvm"), ("intelfocl", "llvm"),
    ("pynq", "llvm -mtriple=armv7-none-linux-gnueabihf"),
    ("de10nano", "llvm -mtriple=armv7-none-linux-gnueabihf"),
    ("ultra96", "llvm -mtriple=aarch64-linux-gnu")])
def test_target_host(target, host):
    assert get_env().replace(TARGET=target).target_host == host


def test_unknown_target_is_accepted_from_a_dict_and_refused_where_used():
    cfg = dict(get_env().cfg_dict, TARGET="xyz")
    outer = get_env()
    with Environment(cfg):
        assert vta.get_env().TARGET == "xyz"
        assert vta.get_env().MODEL == "xyz_1x16_i8w8a32_15_15_18_17"
        with pytest.raises(ValueError, match="xyz"):
            vta.get_env().target_host
    assert vta.get_env() is outer
    with pytest.raises(ValueError, match="zcu104"):
        get_env().replace(TARGET="zcu104").target_host


def test_with_environment_nests_and_restores():
    outer = get_env()
    a, b = outer.replace(LOG_BATCH=1), outer.replace(LOG_BLOCK=5)
    with a as entered:
        assert entered is a and get_env().BATCH == 2
        with b:
            assert get_env().BLOCK_IN == 32 and get_env().BATCH == 1
        assert get_env() is a
    assert get_env() is outer


@pytest.mark.parametrize("changes, values", [
    ({"LOG_BATCH": 1}, {"BATCH": 2, "INP_ELEM_BYTES": 32, "ACC_ELEM_BYTES": 128,
                        "INP_BUFF_DEPTH": 1024, "ACC_BUFF_DEPTH": 1024,
                        "BITSTREAM": "2x16_i8w8a32_15_15_18_17"}),
    ({"LOG_BLOCK": 5}, {"BLOCK_IN": 32, "BLOCK_OUT": 32, "WGT_ELEM_BYTES": 1024,
                        "WGT_BUFF_DEPTH": 256, "INP_BUFF_DEPTH": 1024}),
    ({"LOG_ACC_BUFF_SIZE": 11, "LOG_UOP_BUFF_SIZE": 8}, {"ACC_BUFF_DEPTH": 32,
                                                         "OUT_BUFF_DEPTH": 32,
                                                         "UOP_BUFF_DEPTH": 64}),
])
def test_other_configurations_derive_their_sizes(changes, values):
    env = get_env().replace(**changes)
    assert {k: getattr(env, k) for k in values} == values


def test_config_file_argument(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(dict(DEFAULT, LOG_BATCH=1)))
    env = Environment(str(path))
    assert env.BATCH == 2 and Environment(path) == env


def test_config_file_from_the_environment_variable(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(dict(DEFAULT, LOG_BLOCK=5)))
    code = "import vta_backend as vta; print(vta.get_env().BLOCK_IN)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, VTA_CONFIG=str(path)), check=True)
    assert out.stdout.strip() == "32"
    path.write_text(json.dumps(dict(DEFAULT, TARGET="board9")))
    bad = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, VTA_CONFIG=str(path)))
    assert bad.returncode != 0 and f"{path}: field 'TARGET'" in bad.stderr


def test_bundled_file_is_the_default():
    assert Environment(DEFAULT_CONFIG_PATH) == get_env()


def _write(tmp_path, cfg, raw=None):
    path = tmp_path / "vta_config.json"
    path.write_text(raw if raw is not None else json.dumps(cfg))
    return str(path)


@pytest.mark.parametrize("cfg, field, words", [
    ({k: v for k, v in DEFAULT.items() if k != "LOG_BLOCK"}, "LOG_BLOCK", "missing"),
    (dict(DEFAULT, LOG_BLCK=4), "LOG_BLCK", "unknown field"),
    (dict(DEFAULT, TARGET="fpga9"), "TARGET", "unknown target 'fpga9'"),
    (dict(DEFAULT, LOG_BLOCK=4.5), "LOG_BLOCK", "power of two"),
    (dict(DEFAULT, LOG_BLOCK=-1), "LOG_BLOCK", "non-negative integer"),
    (dict(DEFAULT, LOG_BATCH=True), "LOG_BATCH", "non-negative integer"),
    (dict(DEFAULT, TARGET=3), "TARGET", "must be a string"),
    (dict(DEFAULT, LOG_WGT_BUFF_SIZE=7), "LOG_WGT_BUFF_SIZE",
     "128-byte buffer cannot hold one weight element"),
    (dict(DEFAULT, LOG_INP_BUFF_SIZE=3), "LOG_INP_BUFF_SIZE", "cannot hold one input element"),
    (dict(DEFAULT, LOG_ACC_WIDTH=6), "LOG_ACC_WIDTH", "8, 16 or 32 bits"),
    (dict(DEFAULT, LOG_ACC_WIDTH=3, LOG_INP_WIDTH=4), "LOG_ACC_WIDTH", "at least as wide"),
    (dict(DEFAULT, LOG_INP_BUFF_SIZE=21), "LOG_INP_BUFF_SIZE", "16-bit SRAM index"),
    (dict(DEFAULT, LOG_BLOCK_IN=5), "LOG_BLOCK_IN", "derived and must be 4"),
    (dict(DEFAULT, LOG_BLOCK=6, LOG_WGT_WIDTH=4, LOG_WGT_BUFF_SIZE=20), "LOG_BLOCK",
     "more than a 4096-byte DRAM page"),
])
def test_malformed_config_file_names_file_and_field(tmp_path, cfg, field, words):
    path = _write(tmp_path, cfg)
    with pytest.raises(ConfigError) as err:
        Environment(path)
    assert str(err.value).startswith(f"{path}: field '{field}'") and words in str(err.value)


def test_config_file_that_overflows_the_instruction_words(tmp_path):
    # 2^16 input elements fit the 16-bit SRAM index but the GEMM index fields then need
    # 2 * 16 + 2 * 16 + ... bits, more than the upper 64-bit half of the word.
    path = _write(tmp_path, dict(DEFAULT, LOG_INP_BUFF_SIZE=20, LOG_ACC_BUFF_SIZE=22))
    with pytest.raises(ConfigError, match=r"vta_config.json: the buffer sizes do not fit VTA's "
                                          r"instruction words: the GEMM fields need"):
        Environment(path)


@pytest.mark.parametrize("raw, words", [("{", "not valid JSON"), ("[1, 2]", "JSON object")])
def test_unparsable_config_file(tmp_path, raw, words):
    path = _write(tmp_path, None, raw)
    with pytest.raises(ConfigError, match=words) as err:
        Environment(path)
    assert str(err.value).startswith(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the VTA configuration"):
        Environment(str(tmp_path / "nope.json"))


def test_environment_needs_a_dict_or_a_path():
    with pytest.raises(ConfigError, match="must be a dict, a Config or the path"):
        Environment(42)

"""The VTA hardware configuration: `Environment` and `get_env()`.

Where it sits: every other part of the VTA backend -- the instruction formats (`isa.py`), the
runtime, the simulator and the compiler passes -- takes sizes, widths and names from the current
Environment and from nowhere else.

Where the configuration comes from, in order:
* explicitly: `Environment(cfg)` with a dict (such as a copy of `env.cfg_dict`) or the path of a
  JSON file; `with Environment(cfg): ...` makes it current for the block and restores the
  previous one afterwards;
* at import, the JSON file named by the environment variable ``VTA_CONFIG`` if it is set;
* otherwise the bundled `vta_config.json` (1x16x16 GEMM, int8 inputs and weights, int32
  accumulators, the default buffer sizes, TARGET "sim").

A configuration file with a missing or unknown field, an unknown TARGET, a size that is not a
non-negative integer log2 (so not a power of two) or a buffer too small for one element is
refused with an error naming the file and the field. A dict may name any TARGET (VTA's own
tests rely on that); an unknown target is refused where it is used (`target_host`, the runtime).
`env.gemm` and `env.target` need the compiler and import it lazily, so the hardware model
alone never loads minitvm's compiler (only its error classes, `minitvm.error`).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Mapping, Optional

from minitvm.error import TVMError

DEFAULT_CONFIG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vta_config.json")
CONFIG_ENV_VAR = "VTA_CONFIG"
TARGETS = ("sim", "tsim", "pynq", "ultra96", "zcu104", "de10nano", "intelfocl")
# Keys VTA's pkg_config.py derives: outputs have the input width; the output buffer is the
# accumulator buffer seen at output width.
DERIVED_FIELDS = {
    "LOG_BLOCK_IN": lambda c: c.LOG_BLOCK,
    "LOG_BLOCK_OUT": lambda c: c.LOG_BLOCK,
    "LOG_OUT_WIDTH": lambda c: c.LOG_INP_WIDTH,
    "LOG_OUT_BUFF_SIZE": lambda c: c.LOG_ACC_BUFF_SIZE + c.LOG_INP_WIDTH - c.LOG_ACC_WIDTH,
}

# Runtime debug flags (`CommandQueue.set_debug_mode`), as VTA's runtime.h numbers them.
DEBUG_DUMP_INSN, DEBUG_DUMP_UOP = 1 << 1, 1 << 2
DEBUG_SKIP_READ_BARRIER, DEBUG_SKIP_WRITE_BARRIER, DEBUG_FORCE_SERIAL = 1 << 3, 1 << 4, 1 << 5


class VTAError(TVMError):
    """Base of every error raised by the VTA backend (a `tvm.error.TVMError`, as TVM's
    VTA checks raise)."""


class ConfigError(VTAError, ValueError):
    """A malformed or inconsistent VTA configuration."""


@dataclass(frozen=True)
class Config:
    """The fields of `vta_config.json` (sizes are log2 values)."""
    TARGET: str             # backend: sim, tsim, pynq, ultra96, zcu104, de10nano, intelfocl
    HW_VER: str             # hardware version (only names the bitstream)
    LOG_INP_WIDTH: int      # input scalar bits
    LOG_WGT_WIDTH: int      # weight scalar bits
    LOG_ACC_WIDTH: int      # accumulator scalar bits
    LOG_BATCH: int          # rows of the GEMM core
    LOG_BLOCK: int          # BLOCK_IN = BLOCK_OUT
    LOG_UOP_BUFF_SIZE: int  # micro-op SRAM bytes
    LOG_INP_BUFF_SIZE: int  # input SRAM bytes
    LOG_WGT_BUFF_SIZE: int  # weight SRAM bytes
    LOG_ACC_BUFF_SIZE: int  # accumulator SRAM bytes


def _error(source: str, name: str, problem: str) -> ConfigError:
    return ConfigError(f"{source}: field '{name}': {problem}")


def parse_config(raw, source: str, known_target: bool) -> Config:
    """Check the fields of a configuration mapping and build its Config (structure only)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: a VTA configuration is a JSON object, "
                          f"not {type(raw).__name__}")
    names = [f.name for f in fields(Config)]
    for name in names:
        if name not in raw:
            raise _error(source, name, "missing")
    for name in raw:
        if name not in names and name not in DERIVED_FIELDS:
            raise _error(source, name, f"unknown field (the fields are {', '.join(names)})")
    for f in fields(Config):
        value = raw[f.name]
        if f.type == "str" and not isinstance(value, str):
            raise _error(source, f.name, f"must be a string, got {value!r}")
        if f.type == "int" and (isinstance(value, bool) or not isinstance(value, int)
                                or value < 0):
            raise _error(source, f.name, f"must be a non-negative integer (the log2 of a size, "
                                         f"which makes the size a power of two), got {value!r}")
    if known_target and raw["TARGET"] not in TARGETS:
        raise _error(source, "TARGET", f"unknown target {raw['TARGET']!r} "
                                       f"(known: {', '.join(TARGETS)})")
    config = Config(**{name: raw[name] for name in names})
    for name, derive in DERIVED_FIELDS.items():
        if name in raw and raw[name] != derive(config):
            raise _error(source, name, f"is derived and must be {derive(config)} for this "
                                       f"configuration, got {raw[name]!r}")
    return config


def read_config(path) -> Config:
    """Read and check a configuration file."""
    try:
        with open(path) as f:
            raw = json.load(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the VTA configuration: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON: {e}") from None
    return parse_config(raw, str(path), known_target=True)


class DevContext:
    """Device constants (`env.dev`): memory ids, ALU opcodes and dependence queue ids (the same
    numbers as `isa`). The compiler integration adds `vta_axis`, `vta_push_uop` and
    `command_handle`, which need the IR."""
    MEM_ID_UOP, MEM_ID_WGT, MEM_ID_INP, MEM_ID_ACC, MEM_ID_OUT, MEM_ID_ACC_8BIT = range(6)
    ALU_OPCODE_MIN, ALU_OPCODE_MAX, ALU_OPCODE_ADD, ALU_OPCODE_SHR, ALU_OPCODE_MUL = range(5)
    QID_LOAD_INP = QID_LOAD_WGT = 1
    QID_LOAD_OUT = QID_COMPUTE = 2
    QID_STORE_OUT = 3
    DEBUG_NO_SYNC = False

    def __init__(self, env: "Environment"):
        self.env = env


def _field(name: str, doc: str) -> property:
    return property(lambda self: getattr(self.config, name), doc=doc)


class Environment:
    """One VTA hardware configuration and every quantity derived from it."""
    inp_scope = "local.inp_buffer"
    wgt_scope = "local.wgt_buffer"
    acc_scope = "local.acc_buffer"
    DEBUG_DUMP_INSN, DEBUG_DUMP_UOP = DEBUG_DUMP_INSN, DEBUG_DUMP_UOP
    DEBUG_SKIP_READ_BARRIER, DEBUG_SKIP_WRITE_BARRIER = (DEBUG_SKIP_READ_BARRIER,
                                                         DEBUG_SKIP_WRITE_BARRIER)
    MAX_XFER = 1 << 22
    current: Optional["Environment"] = None

    def __init__(self, cfg, *, mock_mode: bool = False):
        if isinstance(cfg, Config):
            self.config, source = cfg, "configuration"
        elif isinstance(cfg, Mapping):
            source = "configuration dict"
            self.config = parse_config(cfg, source, known_target=False)
        elif isinstance(cfg, (str, os.PathLike)):
            self.config, source = read_config(cfg), str(cfg)
        else:
            raise ConfigError(f"Environment(cfg): cfg must be a dict, a Config or the path of a "
                              f"JSON file, not {type(cfg).__name__}")
        self.mock_mode = mock_mode
        self._dev: Optional[DevContext] = None
        self._outer: list = []
        _check_consistency(self, source)

    TARGET = _field("TARGET", "backend name")
    HW_VER = _field("HW_VER", "hardware version")
    LOG_INP_WIDTH = _field("LOG_INP_WIDTH", "log2 of INP_WIDTH")
    LOG_WGT_WIDTH = _field("LOG_WGT_WIDTH", "log2 of WGT_WIDTH")
    LOG_ACC_WIDTH = _field("LOG_ACC_WIDTH", "log2 of ACC_WIDTH")
    LOG_BATCH = _field("LOG_BATCH", "log2 of BATCH")
    LOG_BLOCK = _field("LOG_BLOCK", "log2 of BLOCK_IN and BLOCK_OUT")
    LOG_UOP_BUFF_SIZE = _field("LOG_UOP_BUFF_SIZE", "log2 of UOP_BUFF_SIZE")
    LOG_INP_BUFF_SIZE = _field("LOG_INP_BUFF_SIZE", "log2 of INP_BUFF_SIZE")
    LOG_WGT_BUFF_SIZE = _field("LOG_WGT_BUFF_SIZE", "log2 of WGT_BUFF_SIZE")
    LOG_ACC_BUFF_SIZE = _field("LOG_ACC_BUFF_SIZE", "log2 of ACC_BUFF_SIZE")

    LOG_BLOCK_IN = property(lambda self: DERIVED_FIELDS["LOG_BLOCK_IN"](self.config))
    LOG_BLOCK_OUT = property(lambda self: DERIVED_FIELDS["LOG_BLOCK_OUT"](self.config))
    LOG_OUT_WIDTH = property(lambda self: DERIVED_FIELDS["LOG_OUT_WIDTH"](self.config))
    LOG_OUT_BUFF_SIZE = property(lambda self: DERIVED_FIELDS["LOG_OUT_BUFF_SIZE"](self.config))

    INP_WIDTH = property(lambda self: 1 << self.LOG_INP_WIDTH, doc="input scalar bits")
    WGT_WIDTH = property(lambda self: 1 << self.LOG_WGT_WIDTH, doc="weight scalar bits")
    ACC_WIDTH = property(lambda self: 1 << self.LOG_ACC_WIDTH, doc="accumulator scalar bits")
    OUT_WIDTH = property(lambda self: 1 << self.LOG_OUT_WIDTH, doc="output scalar bits")
    BATCH = property(lambda self: 1 << self.LOG_BATCH, doc="GEMM rows")
    BLOCK_IN = property(lambda self: 1 << self.LOG_BLOCK_IN, doc="GEMM reduction width")
    BLOCK_OUT = property(lambda self: 1 << self.LOG_BLOCK_OUT, doc="GEMM output width")
    UOP_BUFF_SIZE = property(lambda self: 1 << self.LOG_UOP_BUFF_SIZE, doc="bytes")
    INP_BUFF_SIZE = property(lambda self: 1 << self.LOG_INP_BUFF_SIZE, doc="bytes")
    WGT_BUFF_SIZE = property(lambda self: 1 << self.LOG_WGT_BUFF_SIZE, doc="bytes")
    ACC_BUFF_SIZE = property(lambda self: 1 << self.LOG_ACC_BUFF_SIZE, doc="bytes")
    OUT_BUFF_SIZE = property(lambda self: 1 << self.LOG_OUT_BUFF_SIZE, doc="bytes")

    # One element of each buffer is a whole tile: (BATCH, BLOCK_IN) inputs,
    # (BLOCK_OUT, BLOCK_IN) weights, (BATCH, BLOCK_OUT) accumulators and outputs.
    INP_ELEM_BITS = property(lambda self: self.BATCH * self.BLOCK_IN * self.INP_WIDTH)
    WGT_ELEM_BITS = property(lambda self: self.BLOCK_OUT * self.BLOCK_IN * self.WGT_WIDTH)
    ACC_ELEM_BITS = property(lambda self: self.BATCH * self.BLOCK_OUT * self.ACC_WIDTH)
    OUT_ELEM_BITS = property(lambda self: self.BATCH * self.BLOCK_OUT * self.OUT_WIDTH)
    INP_ELEM_BYTES = property(lambda self: self.INP_ELEM_BITS // 8)
    WGT_ELEM_BYTES = property(lambda self: self.WGT_ELEM_BITS // 8)
    ACC_ELEM_BYTES = property(lambda self: self.ACC_ELEM_BITS // 8)
    OUT_ELEM_BYTES = property(lambda self: self.OUT_ELEM_BITS // 8)
    UOP_ELEM_BYTES = 4

    # Buffer depths in elements (hw_spec.h's VTA_*_BUFF_DEPTH) and their index widths.
    LOG_UOP_BUFF_DEPTH = property(lambda self: self.LOG_UOP_BUFF_SIZE - 2)
    LOG_INP_BUFF_DEPTH = property(lambda self: self.LOG_INP_BUFF_SIZE - _log2(self.INP_ELEM_BYTES))
    LOG_WGT_BUFF_DEPTH = property(lambda self: self.LOG_WGT_BUFF_SIZE - _log2(self.WGT_ELEM_BYTES))
    LOG_ACC_BUFF_DEPTH = property(lambda self: self.LOG_ACC_BUFF_SIZE - _log2(self.ACC_ELEM_BYTES))
    LOG_OUT_BUFF_DEPTH = property(lambda self: self.LOG_OUT_BUFF_SIZE - _log2(self.OUT_ELEM_BYTES))
    UOP_BUFF_DEPTH = property(lambda self: 1 << self.LOG_UOP_BUFF_DEPTH)
    INP_BUFF_DEPTH = property(lambda self: 1 << self.LOG_INP_BUFF_DEPTH)
    WGT_BUFF_DEPTH = property(lambda self: 1 << self.LOG_WGT_BUFF_DEPTH)
    ACC_BUFF_DEPTH = property(lambda self: 1 << self.LOG_ACC_BUFF_DEPTH)
    OUT_BUFF_DEPTH = property(lambda self: 1 << self.LOG_OUT_BUFF_DEPTH)

    inp_dtype = property(lambda self: f"int{self.INP_WIDTH}")
    wgt_dtype = property(lambda self: f"int{self.WGT_WIDTH}")
    acc_dtype = property(lambda self: f"int{self.ACC_WIDTH}")
    out_dtype = property(lambda self: f"int{self.OUT_WIDTH}")

    @property
    def BITSTREAM(self) -> str:
        return (f"{self.BATCH}x{self.BLOCK_IN}_i{self.INP_WIDTH}w{self.WGT_WIDTH}"
                f"a{self.ACC_WIDTH}_{self.LOG_UOP_BUFF_SIZE}_{self.LOG_INP_BUFF_SIZE}_"
                f"{self.LOG_WGT_BUFF_SIZE}_{self.LOG_ACC_BUFF_SIZE}")

    MODEL = property(lambda self: f"{self.TARGET}_{self.BITSTREAM}", doc="TARGET_BITSTREAM")

    @property
    def cfg_dict(self) -> dict:
        """The configuration fields plus the four derived keys, as VTA's `env.cfg_dict`."""
        return dict(asdict(self.config), **{k: getattr(self, k) for k in DERIVED_FIELDS})

    dma_copy = property(lambda self: "skip_dma_copy" if self.mock_mode else "dma_copy",
                        doc="pragma name of DMA copies")
    alu = property(lambda self: "skip_alu" if self.mock_mode else "alu",
                   doc="pragma name of ALU stages")

    @property
    def mock(self) -> "Environment":
        """The same configuration in mock mode (compiler no-ops for DMA, ALU and GEMM)."""
        return Environment(self.config, mock_mode=True)

    @property
    def target_host(self) -> str:
        """The host compilation target of TARGET; an unknown target is an error here."""
        if self.TARGET in ("pynq", "de10nano"):
            return "llvm -mtriple=armv7-none-linux-gnueabihf"
        if self.TARGET == "ultra96":
            return "llvm -mtriple=aarch64-linux-gnu"
        if self.TARGET in ("sim", "tsim", "intelfocl"):
            return "llvm"
        raise ValueError(f"Environment: unknown TARGET {self.TARGET!r} has no host target")

    @property
    def gemm(self):
        """The GEMM TensorIntrin of this configuration (vta_backend/intrin.py)."""
        from .intrin import gemm
        return gemm(self)

    @property
    def target(self):
        """Target('ext_dev -device=vta -keys=vta,cpu -model=<MODEL>')."""
        from minitvm.target import vta
        return vta(model=self.MODEL)

    @property
    def target_vta_cpu(self):
        """The ARM CPU beside VTA as a target (TVM's `tvm.target.arm_cpu(model=TARGET)`);
        minitvm builds it for the host."""
        from minitvm.target import arm_cpu
        return arm_cpu(model=self.TARGET)

    @property
    def dev(self) -> DevContext:
        if self._dev is None:
            self._dev = DevContext(self)
        return self._dev

    def replace(self, **changes) -> "Environment":
        """A new Environment with some configuration fields changed."""
        return Environment(replace(self.config, **changes), mock_mode=self.mock_mode)

    def __enter__(self) -> "Environment":
        self._outer.append(Environment.current)
        Environment.current = self
        return self

    def __exit__(self, *exc) -> None:
        Environment.current = self._outer.pop()

    def __eq__(self, other) -> bool:
        return (isinstance(other, Environment) and self.config == other.config
                and self.mock_mode == other.mock_mode)

    def __hash__(self) -> int:
        return hash((self.config, self.mock_mode))

    def __repr__(self) -> str:
        return f"Environment({self.MODEL}{', mock' if self.mock_mode else ''})"


_PAGE_BYTES = 4096


def _log2(n: int) -> int:
    return n.bit_length() - 1


_BUFFERS = (("LOG_UOP_BUFF_SIZE", "UOP_ELEM_BYTES", "micro-op (4 bytes)"),
            ("LOG_INP_BUFF_SIZE", "INP_ELEM_BYTES", "input element (BATCH*BLOCK_IN*INP_WIDTH/8)"),
            ("LOG_WGT_BUFF_SIZE", "WGT_ELEM_BYTES",
             "weight element (BLOCK_OUT*BLOCK_IN*WGT_WIDTH/8)"),
            ("LOG_ACC_BUFF_SIZE", "ACC_ELEM_BYTES",
             "accumulator element (BATCH*BLOCK_OUT*ACC_WIDTH/8)"))


def _check_consistency(env: Environment, source: str) -> None:
    """The checks that relate fields to each other (sizes, widths, instruction formats)."""
    for name in ("LOG_INP_WIDTH", "LOG_WGT_WIDTH", "LOG_ACC_WIDTH"):
        if getattr(env, name) not in (3, 4, 5):
            raise _error(source, name, f"{getattr(env, name)} gives {1 << getattr(env, name)}-bit "
                                       f"scalars; VTA models 8, 16 or 32 bits (3, 4 or 5)")
    if env.LOG_ACC_WIDTH < max(env.LOG_INP_WIDTH, env.LOG_WGT_WIDTH):
        raise _error(source, "LOG_ACC_WIDTH", "accumulators must be at least as wide as the "
                                              "inputs and the weights")
    for name, elem, what in _BUFFERS:
        if (1 << getattr(env, name)) < getattr(env, elem):
            raise _error(source, name, f"a {1 << getattr(env, name)}-byte buffer cannot hold one "
                                       f"{what} of {getattr(env, elem)} bytes")
        if getattr(env, elem) > _PAGE_BYTES:
            raise _error(source, "LOG_BLOCK", f"one {what} takes {getattr(env, elem)} bytes, more "
                                              f"than a {_PAGE_BYTES}-byte DRAM page (DRAM is "
                                              f"addressed in elements, so one must fit a page)")
    for name, depth in (("LOG_INP_BUFF_SIZE", env.LOG_INP_BUFF_DEPTH),
                        ("LOG_WGT_BUFF_SIZE", env.LOG_WGT_BUFF_DEPTH),
                        ("LOG_ACC_BUFF_SIZE", env.LOG_ACC_BUFF_DEPTH),
                        ("LOG_UOP_BUFF_SIZE", env.LOG_UOP_BUFF_DEPTH)):
        if depth > 16:
            raise _error(source, name, f"2^{depth} elements cannot be addressed by the 16-bit "
                                       f"SRAM index of LOAD and STORE")
    from . import isa   # the formats are sized from these depths; isa imports this module
    try:
        isa.instruction_set(env)
    except isa.EncodingError as e:
        raise ConfigError(f"{source}: the buffer sizes do not fit VTA's instruction words: "
                          f"{e}") from None


def get_env() -> Environment:
    """The current Environment."""
    return Environment.current


Environment.current = Environment(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)

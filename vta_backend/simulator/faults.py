"""The errors a simulated run can end with.

Where it sits: the device and the scheduler raise these when an instruction cannot be executed
faithfully. Each names the instruction (its index in the stream and its disassembly) and what
was wrong; the faulting instruction has no effect, so DRAM holds what the instructions executed
before it wrote.
"""
from __future__ import annotations

from ..environment import VTAError


class SimulatorFault(VTAError, RuntimeError):
    """An instruction the device cannot execute."""

    def __init__(self, index: int, disassembly: str, reason: str):
        super().__init__(f"instruction {index} ({disassembly}): {reason}")
        self.index, self.disassembly, self.reason = index, disassembly, reason


class UndecodableInstruction(SimulatorFault):
    """An unknown opcode, memory type or ALU opcode: fetch stops there."""


class InvalidInstruction(SimulatorFault):
    """A decodable instruction with a meaningless combination of fields."""


class SramAccessFault(SimulatorFault):
    """An access outside an on-chip buffer."""


class DramAccessFault(SimulatorFault):
    """An access outside every allocated DRAM buffer."""


class DeadlockFault(SimulatorFault):
    """A dependence pop that no remaining instruction can satisfy (hardware would hang)."""


class UnbalancedQueueFault(SimulatorFault):
    """Tokens left in a dependence queue when the stream has finished, or no FINISH."""

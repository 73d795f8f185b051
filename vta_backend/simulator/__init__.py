"""The bundled functional simulator of VTA (VTA's fsim, fast).

Where it sits: the runtime (`vta_backend.runtime`) allocates buffers in a `DeviceMemory` and
hands encoded instruction streams to a `Device`, which runs them on on-chip buffers sized from
the Environment and counts the statistics `vta_backend.testing.simulator` reports.
"""
from .device import Device
from .dram import PAGE_BYTES, DeviceMemory, DramBuffer, DramError
from .faults import (DeadlockFault, DramAccessFault, InvalidInstruction, SimulatorFault,
                     SramAccessFault, UnbalancedQueueFault, UndecodableInstruction)
from .stats import DEBUG_SKIP_EXEC, PROFILER, STAT_NAMES, Profiler

__all__ = ["Device", "PAGE_BYTES", "DeviceMemory", "DramBuffer", "DramError", "DeadlockFault",
           "DramAccessFault", "InvalidInstruction", "SimulatorFault", "SramAccessFault",
           "UnbalancedQueueFault", "UndecodableInstruction", "DEBUG_SKIP_EXEC", "PROFILER",
           "STAT_NAMES", "Profiler"]

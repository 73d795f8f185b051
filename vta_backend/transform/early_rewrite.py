"""EarlyRewrite (end of phase 1, after InjectCoProcSync): the storage rewrite, run once
before virtual threads are injected, to place VTA's on-chip tiles.

It is `minitvm.transform.storage_rewrite` (TVM's StorageRewrite) applied early: with the
SRAM scopes' `MemoryInfo` registered (`vta_backend.build_module.register_memory_scopes`),

* an element-wise stage whose input dies at it takes over the input's storage, so
  `res_shr = res_conv >> 8`, `res_max` and `res_min` all live in `res_conv`'s tile, which
  is what lets InjectALUIntrin compute them in place on the accumulator;
* all tiles of one SRAM scope in one thread scope are packed into one allocation, each at
  the next element boundary (the merged allocation starts at SRAM element 0);
* a scope whose tiles need more bits than the SRAM holds is an error naming the tiles,
  the bits asked for and the capacity.

Running it before InjectVirtualThread matters: the per-thread tile layout decided here is
what the thread replication then offsets (thread 1's accumulator tile starts at element
784 in listing 3). TVM's version swallows the rewrite's errors and leaves them to the
phase-2 rewrite; here they are reported at once, which names the same tiles.
"""
from minitvm.transform.pass_infra import FLATTENED, lowering_pass
from minitvm.transform.storage_rewrite import storage_rewrite


@lowering_pass("tir.vta.EarlyRewrite", requires=(FLATTENED,))
def early_rewrite(func):
    """Plan on-chip memory before virtual threads: in-place stages, packed scopes."""
    return storage_rewrite(func)

"""Process-wide switches of autotvm (TVM's `autotvm.env.GLOBAL_SCOPE`)."""


class AutotvmGlobalScope:
    """`silent`: no fallback warnings; `in_tuning`: a tuner is measuring candidates."""

    def __init__(self):
        self.silent = False
        self.in_tuning = False


GLOBAL_SCOPE = AutotvmGlobalScope()

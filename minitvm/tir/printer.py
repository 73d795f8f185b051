"""Placeholder TVMScript printer: a plain structural text until the real printer lands."""


def format_expr(node):
    return f"<{type(node).__name__}>"


def format_stmt(node):
    return f"<{type(node).__name__}>"


def format_module(mod):
    return f"<IRModule {list(mod.functions)}>"

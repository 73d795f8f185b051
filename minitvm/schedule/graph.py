"""The dataflow graph of operations, as schedules and bound inference see it.

`read_graph` maps each op to the tensors it reads; `post_dfs_order` lists ops inputs
first (the stage order of a schedule); `feed_graph` maps each tensor to the ops that
read it; `sub_graph` lists the ops between two sets of ops (a group's members, a scan's
body); `attach_paths` lists, per op, the loops enclosing its attachment point,
innermost first, through chains of compute_at.
"""
from __future__ import annotations

from .errors import ScheduleError, stage_name
from .stage import SCAN_UPDATE, SCOPE


def read_graph(roots):
    """{op: tensors it reads} for every op reachable from `roots`."""
    graph = {}
    stack = list(roots)
    while stack:
        op = stack.pop()
        if op in graph:
            continue
        graph[op] = op.input_tensors
        stack.extend(t.op for t in graph[op])
    return graph


def sub_graph(outputs, boundary, include_boundary=False):
    """The ops on paths from the ops `outputs` back to the ops `boundary`, inputs first
    (TVM's GetSubGraph); boundary ops themselves only with `include_boundary`."""
    boundary = set(boundary)
    reaches, result = {}, []

    def visit(op):
        if op in reaches:
            return reaches[op]
        if op in boundary:
            reaches[op] = True
            if include_boundary:
                result.append(op)
            return True
        reaches[op] = False
        found = False
        for t in op.input_tensors:
            found = visit(t.op) or found
        reaches[op] = found
        if found:
            result.append(op)
        return found

    for op in outputs:
        visit(op)
    return result


def post_dfs_order(roots, graph):
    """Ops in post-DFS order from `roots`: every op after the ops it reads."""
    order, visited = [], set()

    def visit(op):
        if op in visited:
            return
        visited.add(op)
        for t in graph[op]:
            visit(t.op)
        order.append(op)

    for op in roots:
        visit(op)
    return order


def feed_graph(graph):
    """{tensor: [ops reading it]}."""
    feeds = {}
    for op, inputs in graph.items():
        for t in inputs:
            feeds.setdefault(t, [])
            if op not in feeds[t]:
                feeds[t].append(op)
    return feeds


def attach_paths(sch):
    """{op: [IterVar]}: the loops around each stage's attachment point, innermost first."""
    paths = {}
    for stage in sch.stages:
        path, visited, s = [], set(), stage.attach_spec()
        while s.attach_type in (SCOPE, SCAN_UPDATE):
            if s.attach_type == SCAN_UPDATE:      # inside the scan's loop: all its leaves
                s = s.attach_stage
                path.extend(reversed(s.leaf_iter_vars))
                s = s.attach_spec()
                continue
            if id(s) in visited:
                raise _cycle_error(stage)
            visited.add(id(s))
            ivar, s = s.attach_ivar, s.attach_stage
            leaves = s.leaf_iter_vars
            index = next((k for k, iv in enumerate(leaves) if iv is ivar), None)
            if index is None:
                raise ScheduleError(f"compute_at on stage '{stage.op.name}', axis "
                                    f"'{ivar.var.name}': the axis is no longer a loop of "
                                    f"stage '{s.op.name}'")
            path.extend(reversed(leaves[:index + 1]))
            s = s.attach_spec()
        paths[stage.op] = path
    return paths


def _cycle_error(stage):
    """TVM's "Find loop in compute_at attach group", naming the stages around the cycle
    (a stage left at the root inside a group goes where its group goes)."""
    walk, s = [], stage.attach_spec()
    while not any(s is w for w in walk):
        walk.append(s)
        s = s.attach_stage.attach_spec()
    cycle = walk[next(k for k, w in enumerate(walk) if w is s):]
    if len(cycle) == 1 and cycle[0].attach_stage is cycle[0]:
        return ScheduleError(f"compute_at on {stage_name(s)}: it is computed at a loop of "
                             "itself; compute it at a loop of a stage that reads it")
    names = []
    for spec in cycle:
        names.append(stage_name(spec))
        if spec.attach_stage.attach_spec() is not spec.attach_stage:
            names.append(stage_name(spec.attach_stage))
    return ScheduleError(f"compute_at on {names[0]}: the compute_at attachments form a "
                         f"cycle ({' -> '.join(names + names[:1])}): each is computed "
                         "inside the next")

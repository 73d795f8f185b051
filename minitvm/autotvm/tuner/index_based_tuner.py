"""Tuners that pick configs by index: every one in order, or in random order (TVM's
`GridSearchTuner` and `RandomTuner`). `range_idx=(begin, end)` limits them to indices
begin..end inclusive."""
from __future__ import annotations

from ..task.space import ConfigIndexError
from .tuner import Tuner


class IndexBaseTuner(Tuner):
    """Base of the index tuners: the range and the indices visited so far."""

    def __init__(self, task, range_idx=None, seed=None):
        super().__init__(task, seed=seed)
        begin, end = range_idx or (0, self.space.range_length - 1)
        if not 0 <= begin <= end < self.space.range_length:
            raise ConfigIndexError(f"{type(self).__name__}: range_idx {range_idx!r} is not "
                                   f"within the space's indices 0..{self.space.range_length - 1}")
        self.begin_idx, self.end_idx = begin, end + 1
        self.visited = []

    def has_next(self):
        return len(self.visited) < self.end_idx - self.begin_idx


class GridSearchTuner(IndexBaseTuner):
    """Every config of the range, in index order."""

    def __init__(self, task, range_idx=None, seed=None):
        super().__init__(task, range_idx, seed)
        self.index = self.begin_idx

    def next_batch(self, batch_size):
        batch = []
        while len(batch) < batch_size and self.has_next():
            self.visited.append(self.index)
            batch.append(self.space.get(self.index))
            self.index += 1
        return batch


class RandomTuner(IndexBaseTuner):
    """Every config of the range, each once, in random order."""

    def __init__(self, task, range_idx=None, seed=None):
        super().__init__(task, range_idx, seed)
        self._seen = set()

    def next_batch(self, batch_size):
        batch = []
        while len(batch) < batch_size and self.has_next():
            index = int(self.rng.randint(self.begin_idx, self.end_idx))
            if index not in self._seen:
                self._seen.add(index)
                self.visited.append(index)
                batch.append(self.space.get(index))
        return batch

"""A cost model of gradient-boosted trees (TVM's `XGBoostCostModel`), needing the optional
`xgboost` package (`pip install minitvm[xgboost]`, which installs `xgboost-cpu`).

Each config is described by a feature vector and the model learns its measured FLOPS,
scaled to [0, 1] by the best so far: by squared error (`loss_type` "reg") or by the order
of pairs (`loss_type` "rank"). Features (`feature_type`): "knob", the config's entities as
numbers (`ConfigEntity.get_flatten_feature`: split sizes, permutations, one-hot
annotations, option values), cached per index. TVM's "itervar" and "curve" features read
the lowered loop nest of each config; minitvm does not extract them (lowering every
config the annealer visits costs seconds where reading its knobs costs microseconds).
"""
from __future__ import annotations

import numpy as np

from .model_based_tuner import CostModel
from .tuner import TunerError

FEATURE_TYPES = ("knob",)
LOSS_TYPES = {"reg": "reg:squarederror", "rank": "rank:pairwise"}


def import_xgboost():
    """The xgboost module, or an ImportError saying how to install it."""
    try:
        import xgboost
    except ImportError:
        raise ImportError("XGBTuner needs the xgboost package: install minitvm's 'xgboost' "
                          "extra (pip install 'minitvm[xgboost]', which installs "
                          "xgboost-cpu)") from None
    return xgboost


class XGBoostCostModel(CostModel):
    """See the module docstring. `num_threads` bounds xgboost's threads (1 is fastest for
    these small models on a busy machine; None: xgboost's default, all cores); `seed` makes
    the trees repeatable; `log_interval` is accepted for TVM's signature (nothing is logged
    while fitting)."""

    def __init__(self, task, feature_type="knob", loss_type="reg", num_threads=None,
                 log_interval=25, seed=0):
        self.xgb = import_xgboost()
        if feature_type not in FEATURE_TYPES:
            raise TunerError(f"XGBoostCostModel: feature_type {feature_type!r} is not "
                             f"supported; minitvm extracts {', '.join(FEATURE_TYPES)} features "
                             "(TVM's 'itervar' and 'curve' need the lowered loop nest)")
        if loss_type not in LOSS_TYPES:
            raise TunerError(f"XGBoostCostModel: loss_type {loss_type!r} is not one of "
                             f"{', '.join(LOSS_TYPES)}")
        self.space = task.config_space
        self.feature_type, self.loss_type = feature_type, loss_type
        self.params = {"max_depth": 3, "gamma": 0.0001, "min_child_weight": 1,
                       "subsample": 1.0, "eta": 0.3, "lambda": 1.0, "alpha": 0,
                       "objective": LOSS_TYPES[loss_type], "verbosity": 0, "seed": seed}
        if num_threads:
            self.params["nthread"] = num_threads
        self.bst = None
        self._features = {}

    def features(self, indices):
        """The feature matrix of config `indices`, one row each."""
        rows = []
        for index in indices:
            index = int(index)
            if index not in self._features:
                self._features[index] = self.space.get(index).get_flatten_feature()
            rows.append(self._features[index])
        return np.array(rows, dtype=np.float32)

    def fit(self, xs, ys, plan_size):
        ys = np.asarray(ys, dtype=np.float64)
        dtrain = self.xgb.DMatrix(self.features(xs), ys / max(ys.max(), 1e-8),
                                  nthread=self.params.get("nthread", -1))
        if self.loss_type == "rank":
            dtrain.set_group([len(xs)])
        self.bst = self.xgb.train(self.params, dtrain, num_boost_round=100)

    def predict(self, xs, output_margin=False):
        if self.bst is None:
            return np.zeros(len(xs))
        return self.bst.inplace_predict(self.features(xs),
                                        predict_type="margin" if output_margin else "value")

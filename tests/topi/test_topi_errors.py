"""Misusing TOPI's operators and schedules: one test per rule, each error naming the
user's tensor and of TVM's error type."""
import pytest

import minitvm as tvm
from minitvm import te, topi
from minitvm.error import TVMError
from minitvm.topi.nn.conv2d import ConvolutionShapeError
from minitvm.topi.nn.dense import DenseShapeError

A = te.placeholder((1, 4, 8, 8), name="Data")


def test_conv2d_kernel_channels_must_match_the_data():
    W = te.placeholder((6, 3, 3, 3), name="Kern")
    with pytest.raises(ConvolutionShapeError, match=r"'Data' \(4 channels\) by 'Kern' \(6 "
                                                    r"filters of 3 channels\)"):
        topi.nn.conv2d_nchw(A, W, 1, 1, 1)


def test_group_conv2d_channels_must_divide_into_groups():
    W = te.placeholder((6, 2, 3, 3), name="Kern")
    with pytest.raises(ConvolutionShapeError, match="in 3 group"):
        topi.nn.group_conv2d_nchw(A, W, 1, 1, 1, 3)


def test_conv_layout_must_fit_the_data():
    with pytest.raises(ConvolutionShapeError, match=r"data 'Data' of shape .* does not fit "
                                                    r"the layout 'NCH'"):
        topi.nn.conv(A, te.placeholder((4, 4, 3, 3)), 1, 1, 1, 1, "NCH", "OIHW")


def test_stride_must_have_one_value_per_spatial_axis():
    with pytest.raises(ValueError, match=r"stride \(1, 1, 1\) must have 2 values"):
        topi.nn.conv2d_nchw(A, te.placeholder((4, 4, 3, 3)), (1, 1, 1), 1, 1)


def test_depthwise_filter_channels_must_match():
    with pytest.raises(ConvolutionShapeError, match="filter 'Dw' has 3 channels, input "
                                                    "'Data' 4"):
        topi.nn.depthwise_conv2d_nchw(A, te.placeholder((3, 1, 3, 3), name="Dw"), 1, 1, 1)


def test_conv2d_transpose_output_padding_must_be_below_the_stride():
    with pytest.raises(ValueError, match=r"of 'Data': output_padding \(2, 2\) must be "
                                         r"smaller than the strides \(2, 2\)"):
        topi.nn.conv2d_transpose_nchw(A, te.placeholder((4, 2, 3, 3)), (2, 2), 1,
                                      "float32", (2, 2))


def test_dense_features_must_match():
    with pytest.raises(DenseShapeError, match="data 'X' has 3 features per row, weight "
                                              "'Wt' 5"):
        topi.nn.dense(te.placeholder((2, 3), name="X"), te.placeholder((4, 5), name="Wt"))


def test_dense_bias_must_have_one_value_per_output():
    with pytest.raises(DenseShapeError, match=r"bias 'Bs' must have shape \(4,\)"):
        topi.nn.dense(te.placeholder((2, 3)), te.placeholder((4, 3)),
                      te.placeholder((5,), name="Bs"))


def test_pool_type_must_be_max_or_avg():
    with pytest.raises(ValueError, match="pool2d of 'Data': pool_type must be 'max' or "
                                         "'avg', got 'min'"):
        topi.nn.pool2d(A, (2, 2), (2, 2), (1, 1), (0, 0, 0, 0), "min")


def test_pool_layout_must_name_h_and_w():
    with pytest.raises(ValueError, match="pool2d of 'Data': layout 'NCXY' must name"):
        topi.nn.pool2d(A, (2, 2), (2, 2), (1, 1), (0, 0, 0, 0), "max", layout="NCXY")


def test_pool_padding_must_have_four_values():
    with pytest.raises(ValueError, match=r"padding must be \[top, left, bottom, right\]"):
        topi.nn.pool2d(A, (2, 2), (2, 2), (1, 1), (0, 0), "max")


def test_softmax_axis_must_exist():
    with pytest.raises(ValueError, match="softmax of 'Data': axis 4 is out of range"):
        topi.nn.softmax(A, axis=4)


def test_pad_needs_one_value_per_dimension():
    with pytest.raises(ValueError, match="pad of 'Data': pad_before has 2 entries"):
        topi.nn.pad(A, [1, 1])


def test_generic_schedules_need_a_target_in_scope():
    with pytest.raises(TVMError, match=r"no target is in scope: use `with "
                                       r"tvm.target.Target\('llvm'\):`"):
        topi.generic.schedule_injective(topi.nn.relu(A))


def test_generic_schedules_are_for_the_cpu():
    with tvm.target.Target("cuda"):
        with pytest.raises(TVMError, match="schedule not registered for 'cuda'"):
            topi.generic.schedule_conv2d_nchw(topi.nn.relu(A))


def test_conv2d_transpose_kernel_must_take_the_data_channels():
    with pytest.raises(ConvolutionShapeError, match="kernel 'Kt' is for 3 input channels, "
                                                    "data 'Data' has 4"):
        topi.nn.conv2d_transpose_nchw(A, te.placeholder((3, 2, 3, 3), name="Kt"), (1, 1), 0,
                                      "float32", (0, 0))


def test_dense_operands_must_be_two_dimensional():
    with pytest.raises(DenseShapeError, match="data 'Data' and weight 'Wt' must be 2-D, "
                                              "got 4-D and 2-D"):
        topi.nn.dense(A, te.placeholder((4, 5), name="Wt"))


def test_dilate_needs_one_stride_per_dimension():
    with pytest.raises(ValueError, match="dilate of 'Data': 2 strides for 4 dimensions"):
        topi.nn.dilate(A, [2, 2])


def test_conv2d_data_layout_must_be_supported():
    with pytest.raises(ValueError, match="data layout 'NCWH' is not supported"):
        topi.nn.conv2d(A, te.placeholder((4, 4, 3, 3)), 1, 1, 1, data_layout="NCWH")

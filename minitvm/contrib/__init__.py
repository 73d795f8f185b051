"""`tvm.contrib`: small utilities the tutorials use (`utils.tempdir`)."""

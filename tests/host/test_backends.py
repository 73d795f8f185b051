"""Backends register through the `minitvm.backends` entry point group: the core names none,
and a saved VTA module or an ext_dev array works in a process that never imported
vta_backend itself. What a backend loads with a core package (vta.top with autotvm) is
there as soon as both are imported, in either order."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(program):
    """The words a fresh Python process running `program` prints."""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_core_names_no_backend():
    naming = [str(path.relative_to(ROOT)) for path in (ROOT / "minitvm").rglob("*.py")
              if "vta_backend" in path.read_text()]
    assert naming == []


def test_vta_is_found_through_its_entry_point():
    from minitvm.runtime.backends import GROUP
    from importlib import metadata
    assert "vta_backend" in [entry.value for entry in metadata.entry_points(group=GROUP)]


def test_an_ext_dev_array_loads_the_backend():
    program = ("import sys, numpy as np\n"
               "import minitvm as tvm\n"
               "a = tvm.nd.array(np.arange(16, dtype='int8'), tvm.ext_dev(0))\n"
               "assert 'vta_backend' in sys.modules\n"
               "from vta_backend import device_api\n"
               "assert device_api.dram_buffer(a.storage) is not None\n"
               "print('ok')\n")
    assert _run(program) == ["ok"]


def test_an_rpc_session_ext_dev_array_loads_the_backend():
    program = ("import sys, numpy as np\n"
               "import minitvm as tvm\n"
               "from minitvm import rpc\n"
               "dev = rpc.LocalSession().ext_dev(0)\n"
               "a = tvm.nd.array(np.arange(16, dtype='int8'), dev)\n"
               "from vta_backend import device_api\n"
               "print(device_api.dram_buffer(a.storage) is not None)\n")
    assert _run(program) == ["True"]


def test_a_session_ext_dev_with_the_backend_imported_leaves_entry_points_unread():
    # reading them imports importlib.metadata (email, csv, zipfile...): ~10 ms of the
    # tutorial's start-up
    program = ("import numpy as np\n"
               "import minitvm as tvm\n"
               "from minitvm.runtime import backends\n"
               "backends.load_backends = lambda: print('read')\n"
               "import vta_backend\n"
               "from minitvm import rpc\n"
               "a = tvm.nd.array(np.arange(16, dtype='int8'), rpc.LocalSession().ext_dev(0))\n"
               "print('done')\n")
    assert _run(program) == ["done"]


AUTOTVM_FACTS = ("from minitvm import autotvm\n"
                 "from minitvm.autotvm.measure.measure_methods import device_for\n"
                 "print('conv2d_packed.vta' in autotvm.task.TASK_TABLE,\n"
                 "      type(device_for(vta.get_env().target)).__name__)\n")


def test_vta_top_loads_with_autotvm_not_with_the_backend():
    before, vta_tasks, device = _run(
        "import sys\n"
        "import vta_backend as vta\n"
        "print('vta_backend.top' not in sys.modules and 'minitvm.autotvm' not in sys.modules)\n"
        + AUTOTVM_FACTS)
    assert (before, vta_tasks, device) == ("True", "True", "VTADeviceMeasure")


def test_vta_top_loads_at_once_when_autotvm_came_first():
    assert _run("from minitvm import autotvm\n"
                "import vta_backend as vta\n" + AUTOTVM_FACTS) == ["True", "VTADeviceMeasure"]


def test_vta_top_is_an_attribute_of_the_backend():
    assert _run("import vta_backend as vta\n"
                "print(vta.top.conv2d_packed.__name__, 'top' in dir(vta))\n"
                + AUTOTVM_FACTS) == ["conv2d_packed", "True", "True", "VTADeviceMeasure"]

"""Backends register through the `minitvm.backends` entry point group: the core names none,
and a saved VTA module or an ext_dev array works in a process that never imported
vta_backend itself."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


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
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.stdout.strip() == "ok", done.stderr

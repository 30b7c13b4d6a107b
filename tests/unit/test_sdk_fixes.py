import gc
import warnings
from pathlib import Path

import pytest
from docker.transport.unixconn import UnixHTTPConnection

import workbench.engine  # noqa: F401 - applies the fix


def test_failed_unix_connect_leaves_no_open_socket(tmp_path: Path) -> None:
    conn = UnixHTTPConnection("http+docker://localhost", str(tmp_path / "absent.sock"),
                              timeout=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(FileNotFoundError):
            conn.connect()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert conn.sock is None

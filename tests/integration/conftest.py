from tests.integration.windows import make_window  # noqa: F401 - fixture
from tests.qtsupport import _no_leaked_windows, make_ctx  # noqa: F401 - fixtures

from tests.qtsupport import _no_leaked_windows, make_ctx  # noqa: F401 - fixtures

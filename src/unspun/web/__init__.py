"""The web reader (``unspun serve``): ``create_app(db)`` in ``unspun.web.app``.

The defaults live here so that ``unspun --help`` need not import the web stack.
"""

DEFAULT_MAX_BODY = 2_000_000  # bytes accepted by the paste page and POST /api/analyze
DEFAULT_TIMEOUT = 20.0  # seconds one pasted article may take to analyse
DEFAULT_PASTE_WORKERS = 1  # pasted articles analysed at once (each worker is a child process with the models)
DEFAULT_PASTE_QUEUE = 4  # pasted articles that may wait for a worker; more get 503 with Retry-After

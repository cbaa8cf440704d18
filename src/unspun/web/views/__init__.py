"""One module per page kind; each page has a JSON twin under ``/api``."""

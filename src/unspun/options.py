"""Names for what a user asks of an analysis, shared by the commands and engines that keep it.

``CLI_OUTLET`` is the hint key under which ``unspun index`` (and the Spark engine) keep the
user's ``--outlet``, so that re-analysing a stored article gives it the same outlet. It lives
here, below both ``unspun.cli`` and ``unspun.engines``, so that neither imports the other.
"""

CLI_OUTLET = "cli_outlet"  # hint key keeping --outlet, so re-analysis gives the same outlet

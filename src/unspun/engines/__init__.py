"""Engines that run the pipeline beyond one process: ``spark`` (PySpark; ``pip install 'unspun[spark]'``).

Nothing here is imported by ``unspun`` itself; PySpark is imported only when an engine runs.
"""

"""CSV downloads of the store's tables, streamed (the same tables and cells as ``unspun export``,
formula-like text neutralised by ``unspun.cli.export.CsvWriter``)."""

from __future__ import annotations

import io
import re
from typing import Callable, Iterator

from starlette.responses import StreamingResponse

from unspun.cli.export import CsvWriter
from unspun.store import Store
from unspun.store.tables import Table


def csv_download(db: str, make_table: Callable[[Store], Table], filename: str) -> StreamingResponse:
    """Stream ``make_table(store)`` as CSV; the store is opened for this download only (the rows
    are produced on worker threads, so the connection is shared across them)."""

    def lines() -> Iterator[str]:
        store = Store(db, readonly=True, shared=True)
        try:
            tbl = make_table(store)
            buf = io.StringIO()
            writer = CsvWriter(buf)
            writer.writerow(name for name, _ in tbl.columns)
            for i, row in enumerate(tbl.rows, 1):
                writer.writerow(row)
                if i % 200 == 0:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue()
        finally:
            store.close()

    filename = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:120]  # an id may hold quotes or newlines
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"'})

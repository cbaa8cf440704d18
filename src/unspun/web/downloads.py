"""CSV downloads of the store's tables, streamed (the same tables as ``unspun export``)."""

from __future__ import annotations

import csv
import io
from typing import Callable, Iterator

from starlette.responses import StreamingResponse

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
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow([name for name, _ in tbl.columns])
            for i, row in enumerate(tbl.rows, 1):
                writer.writerow(["" if v is None else v for v in row])
                if i % 200 == 0:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue()
        finally:
            store.close()

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"'})

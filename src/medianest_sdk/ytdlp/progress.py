"""A progress bar for humans over a :class:`DownloadJob`, drawn by tqdm (extra ``progress``).

``tqdm.auto`` draws a widget in Jupyter (with ipywidgets installed; a text bar otherwise) and a
text bar in a terminal. The bar shows bytes (binary units), speed and time left, for each file
the job writes.
"""

from __future__ import annotations

from typing import IO, Any

from .models import DownloadResult
from .runner import DownloadJob

__all__ = ["show_progress"]


async def show_progress(
    job: DownloadJob, *, description: str | None = None, file: IO[str] | None = None
) -> DownloadResult:
    """Run ``job`` (enter it, if not yet) drawing a progress bar; return its result.

    Args:
        job: From :meth:`YtDlpRunner.download`.
        description: The bar's label; default: the file name being written.
        file: Where a text bar is written (default: tqdm's, standard error).

    Raises:
        ImportError: tqdm is missing (``pip install "medianest-sdk[progress]"``).
        DownloadError, RateLimitExceeded: as :meth:`DownloadJob.result`.
    """
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            'show_progress needs tqdm: pip install "medianest-sdk[progress]"'
        ) from exc
    bar: Any = None
    current: str | None = None
    try:
        async with job:
            async for event in job:
                name = (event.filename or "").rsplit("/", 1)[-1] or None
                if bar is None or name != current:
                    if bar is not None:
                        bar.close()
                    current = name
                    bar = tqdm(
                        total=event.total_bytes,
                        desc=description or name or job.url,
                        unit="B",
                        unit_scale=True,
                        unit_divisor=1024,
                        file=file,
                        leave=True,
                    )
                if event.total_bytes and bar.total != event.total_bytes:
                    bar.total = event.total_bytes
                bar.update(max(0, event.downloaded_bytes - bar.n))
    finally:
        if bar is not None:
            bar.close()
    return await job.result()

"""``python -m medianest_sdk.ytdlp --redis URL --output DIR``: a download worker process (see
:mod:`medianest_sdk.ytdlp.workers`)."""

from __future__ import annotations

from .workers import main

if __name__ == "__main__":
    main()

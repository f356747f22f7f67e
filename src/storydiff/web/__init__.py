"""The local web page (``storydiff serve``): a form, the report, downloads and a JSON API.

Needs the ``web`` extra (FastAPI, uvicorn, python-multipart).
"""

from __future__ import annotations

from storydiff.web.app import create_app

__all__ = ["create_app"]

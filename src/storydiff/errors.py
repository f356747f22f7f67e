"""Errors storydiff raises on purpose.

Every error a user can cause is a :class:`StorydiffError`; the CLI prints its
message on one line and exits with code 2, the web page answers with a JSON
error. Anything else escaping is a bug.

::

    StorydiffError
    ├── InputError                 a document cannot be read
    │   ├── InputNotFound          missing path, or a directory
    │   ├── InputTooLarge          above the configured size limit
    │   ├── UndecodableInput       binary, or no encoding fits
    │   ├── EmptyInput             nothing to compare once read
    │   │   └── NoTextLayer        a PDF with no text, only images (a scan)
    │   ├── URLRefused             a URL the SSRF guard will not fetch
    │   └── FetchFailed            a URL that could not be fetched
    ├── OptionError                an option has a value we cannot use
    ├── BackendUnavailable         an optional extra is not installed
    └── CorpusError                the corpus store or its input is unusable
"""

from __future__ import annotations


class StorydiffError(Exception):
    """Base class for every error storydiff raises on purpose."""


class InputError(StorydiffError):
    """A document could not be read."""


class InputNotFound(InputError):
    """The path does not exist or is not a regular file."""


class InputTooLarge(InputError):
    """The input is above the configured size limit."""


class UndecodableInput(InputError):
    """The input is binary or in no encoding we can decode."""


class EmptyInput(InputError):
    """The input holds no text to compare."""


class NoTextLayer(EmptyInput):
    """A PDF whose pages carry no text, only images (a scanned document)."""


class URLRefused(InputError):
    """A URL storydiff will not fetch: not http(s), or a private, loopback,
    link-local, multicast or cloud-metadata address (directly or by redirect)."""


class FetchFailed(InputError):
    """A URL could not be fetched: no connection, a timeout, an HTTP error, too many redirects."""


class OptionError(StorydiffError):
    """An option has a value storydiff cannot use."""


class BackendUnavailable(StorydiffError):
    """An optional component is not installed; the message names the extra."""


class CorpusError(StorydiffError):
    """The corpus store or one of its inputs is unusable."""

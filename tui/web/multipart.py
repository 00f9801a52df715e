"""A form sent as `multipart/form-data` (a form with a file field): its text answers and files.

A small, exact reader of what browsers send (RFC 7578), over a body read within its limit
already: the body is split at the boundary the request names, each part's headers read for
its `name` (and `filename`, for a file), its bytes kept as sent. Anything else (no boundary,
a part without a name or a blank line, more parts than a form has) is refused as a bad
request; a text answer must be UTF-8. Starlette's own parser needs `python-multipart`, one
more dependency for the few lines below.
"""

from __future__ import annotations

from email.message import Message

from trinn.engine.files import Upload

__all__ = ["BadMultipart", "read_multipart"]

_MAX_HEADERS = 8 * 1024  # bytes of one part's headers


class BadMultipart(ValueError):
    """The body is not the multipart form it says it is."""


def _param(header: str, value: str, name: str) -> str | None:
    message = Message()
    message[header] = value
    found = message.get_param(name, header=header)
    return found if isinstance(found, str) else None


def read_multipart(
    body: bytes, content_type: str, max_parts: int
) -> tuple[list[tuple[str, str]], dict[str, Upload]]:
    """The text answers as (name, value) pairs, and the files by field name (a file input
    left empty sends no file)."""
    boundary = _param("content-type", content_type, "boundary")
    if not boundary or len(boundary) > 200:
        raise BadMultipart("no boundary")
    sections = body.split(b"--" + boundary.encode("ascii", "strict"))
    if len(sections) < 2 or not sections[-1].startswith(b"--") or len(sections) - 2 > max_parts:
        raise BadMultipart("not a closed multipart body, or too many parts")
    pairs: list[tuple[str, str]] = []
    files: dict[str, Upload] = {}
    for section in sections[1:-1]:
        head, blank, content = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not blank or len(head) > _MAX_HEADERS or not content.endswith(b"\r\n"):
            raise BadMultipart("a part without headers")
        content = content[:-2]
        headers = dict(
            (key.strip().lower(), value.strip())
            for key, _colon, value in (line.partition(":") for line in head.decode("latin-1").split("\r\n"))
        )
        disposition = headers.get("content-disposition", "")
        name = _param("content-disposition", disposition, "name")
        if not name:
            raise BadMultipart("a part without a name")
        filename = _param("content-disposition", disposition, "filename")
        if filename is None:
            try:
                pairs.append((name, content.decode("utf-8")))
            except UnicodeDecodeError:
                raise BadMultipart("an answer that is not UTF-8") from None
        elif filename or content:  # an empty file input sends an empty part with no name
            if name in files:
                raise BadMultipart("one field sent two files")
            files[name] = Upload(filename, content)
    return pairs, files

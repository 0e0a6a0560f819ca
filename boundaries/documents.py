"""The files of an acknowledgement: a signature drawn on screen, or the scan of a sheet signed on paper.

A file is taken for what its content is, never for its name or the type the browser claims: the
first bytes must be those of a PDF, a PNG or a JPEG, agree with the type claimed, and an image
must open as one.
"""

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from boundaries.models import DOCUMENT_TYPES

MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024 * 1024
SIGNATURE_PREFIX = "data:image/png;base64,"
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
GENERIC = "application/octet-stream"
EXTENSIONS = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


@dataclass(frozen=True)
class Document:
    content_type: str
    data: bytes
    filename: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, among those accepted; None for anything else."""
    for content_type, prefixes in MAGIC.items():
        if data.startswith(prefixes):
            return content_type
    return None


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.verify()
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "The image cannot be read: it is damaged or not an image.", code="bad_image"
        ) from exc


def read_scan(upload) -> Document:
    """The uploaded scan as a Document, refused unless it is the PDF, PNG or JPEG it claims to be."""
    if upload.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(
            "The file is %(size)s MB; a scan may be 10 MB at most.",
            code="too_large",
            params={"size": f"{upload.size / 1024 / 1024:.1f}"},
        )
    data = upload.read()
    actual = sniff(data)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    # What the name and the browser say, where they say anything: a file without an extension
    # comes as application/octet-stream, which claims nothing.
    claimed = {upload.content_type, EXTENSIONS.get(extension, extension or None)} - {None, "", GENERIC}
    if actual is None:
        raise ValidationError(
            "The file is not a PDF, PNG or JPEG: attach the scan in one of those formats.", code="wrong_type"
        )
    if not claimed <= {actual}:
        raise ValidationError(
            "The file's content is a %(actual)s, not what its name or type says: attach the scan itself.",
            code="type_mismatch",
            params={"actual": DOCUMENT_TYPES[actual].upper()},
        )
    if actual != "application/pdf":
        _open_image(data)
    elif b"%%EOF" not in data[-2048:]:
        raise ValidationError("The PDF is incomplete: attach the whole file.", code="bad_pdf")
    return Document(content_type=actual, data=data, filename=upload.name[-120:])


def read_signature(value: str) -> Document:
    """The signature drawn on the pad (a PNG data URL), refused when missing, not a PNG or blank."""
    if not value:
        raise ValidationError("The client has not signed: ask them to sign in the box.", code="no_signature")
    if not value.startswith(SIGNATURE_PREFIX) or len(value) > MAX_SIGNATURE_BYTES * 4 // 3 + 64:
        raise ValidationError(
            "The signature could not be read: ask the client to sign again.", code="bad_signature"
        )
    try:
        data = base64.b64decode(value.removeprefix(SIGNATURE_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(
            "The signature could not be read: ask the client to sign again.", code="bad_signature"
        ) from exc
    if sniff(data) != "image/png":
        raise ValidationError(
            "The signature could not be read: ask the client to sign again.", code="bad_signature"
        )
    image = _open_image(data).convert("RGBA")
    # A pad left untouched gives a fully transparent image: nothing was drawn.
    if image.getchannel("A").getbbox() is None:
        raise ValidationError("The client has not signed: ask them to sign in the box.", code="no_signature")
    return Document(content_type="image/png", data=data, filename="signature.png")

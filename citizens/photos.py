"""Residents' photos: checked, re-encoded to JPEG without any metadata (EXIF, GPS, XMP), longest side ≤ 2048.

Re-encoding from pixels is what strips the metadata: nothing of the uploaded file but its pixels
survives. The EXIF orientation is applied first, so the picture stands as the phone showed it.
HEIC/HEIF is read through pillow-heif when it is installed.

>>> from io import BytesIO
>>> from PIL import Image
>>> buf = BytesIO(); Image.new("RGB", (4000, 1000), "red").save(buf, "PNG")
>>> p = clean_photo(buf.getvalue()); (p.width, p.height)
(2048, 512)
"""

from __future__ import annotations

import hashlib
import warnings
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from appeals.online import PhotoData

try:  # HEIC from iPhones; optional
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the machine
    HEIF = False

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
MAX_PHOTOS = 3
# A decompression bomb (a tiny file of huge dimensions) is refused before it is decoded.
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "HEIC", "MPO"}


class PhotoError(ValueError):
    """The file is not a photo we take; str() is a Ukrainian message for the resident."""


def clean_photo(data: bytes) -> PhotoData:
    if len(data) > MAX_BYTES:
        raise PhotoError(f"фото більше за {MAX_BYTES // (1024 * 1024)} МБ")
    if not data:
        raise PhotoError("порожній файл")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(BytesIO(data))
            if img.format not in FORMATS:
                raise PhotoError("дозволені лише фото JPEG, PNG, WebP або HEIC")
            if img.width * img.height > MAX_PIXELS:
                raise PhotoError("зображення завелике за розміром у пікселях")
            img.load()
            img = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError("файл не є зображенням або пошкоджений") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoError("файл не є зображенням або пошкоджений") from exc
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, "white")
        background.paste(img, mask=img.split()[-1])
        img = background
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    # No exif=, no icc_profile=: the new file carries pixels only.
    img.save(out, "JPEG", quality=85, optimize=True)
    content = out.getvalue()
    return PhotoData(content=content, sha256=hashlib.sha256(content).hexdigest(), width=img.width, height=img.height)

"""Order photos (the assembled bouquet, the proof of delivery) and product pictures.

An upload is checked to be a real image (Pillow, not the file name or a MIME type),
refused above 10 MB, turned upright and re-encoded as a plain JPEG so nothing of the
original metadata survives (EXIF, GPS position, camera serial, thumbnails). The file is
stored under DATA_DIR/photos/ with an unguessable name and served at /photos/<name>
(api.photos); the tracking page lists the order's photos by that URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import secrets
import warnings
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from tortoise.transactions import in_transaction

from core import events
from core.actors import SYSTEM, Actor
from core.errors import BadRequest
from core.models import Order, OrderPhoto, PhotoKind
from core.tenancy import get_owned

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Larger pictures are scaled down: a bouquet needs no more than a phone screen shows.
MAX_SIDE = 2560
JPEG_QUALITY = 85
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})
PHOTOS_DIR = "photos"
URL_PREFIX = "/photos/"
_NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}\.jpg$")
# The demo shop's bouquet pictures, shipped in the package (api/static/demo/) and served
# at /static/demo/<name>.jpg.
DEMO_URL_PREFIX = "/static/demo/"
_DEMO_NAME = re.compile(r"^[a-z]{1,32}\.jpg$")


class PhotoRejected(BadRequest):
    """The upload is not an image we accept; `reason` is `too_large` or `not_image`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    width: int
    height: int


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with transparent parts on white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def clean_image(data: bytes) -> CleanImage:
    """A metadata-free JPEG of the upload, or PhotoRejected.

    Outcomes: `too_large` above 10 MB (checked before decoding); `not_image` when Pillow
    cannot decode it, it is not a raster format we accept, or it is a decompression bomb.
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected("too_large", "The photo is larger than 10 MB")
    if not data:
        raise PhotoRejected("not_image", "The file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoRejected("not_image", "The file is not a photo")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                rgb = _flatten(upright)
    except PhotoRejected:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise PhotoRejected("not_image", "The file is not a photo") from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image carries no info dict: no EXIF, GPS, XMP, ICC or comments are written.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanImage(data=out.getvalue(), width=clean.width, height=clean.height)


def photos_dir(data_dir: Path) -> Path:
    return Path(data_dir) / PHOTOS_DIR


def photo_file(data_dir: Path, name: str) -> Path | None:
    """The stored file for a public photo name, or None for anything else (no traversal)."""
    if not _NAME.match(name):
        return None
    path = photos_dir(data_dir) / name
    return path if path.is_file() else None


def photo_url(name: str, *, public_base_url: str = "") -> str:
    return f"{public_base_url.rstrip('/')}{URL_PREFIX}{name}"


def _write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    temporary = directory / f".{name}.part"
    temporary.write_bytes(data)
    temporary.replace(path)
    return path


@dataclass(frozen=True)
class StoredPhoto:
    path: Path
    url: str
    clean: CleanImage


async def store_photo(*, data: bytes, data_dir: Path, public_base_url: str = "") -> StoredPhoto:
    """Check, clean and store an upload under DATA_DIR/photos/; PhotoRejected as above."""
    clean = await asyncio.to_thread(clean_image, data)
    name = f"{secrets.token_urlsafe(24)}.jpg"
    path = await asyncio.to_thread(_write, photos_dir(data_dir), name, clean.data)
    return StoredPhoto(path=path, url=photo_url(name, public_base_url=public_base_url), clean=clean)


def demo_photos_dir() -> Path:
    return Path(str(files("api") / "static" / "demo"))


def local_photo(data_dir: Path, url: str | None) -> Path | None:
    """The file behind one of our photo URLs (absolute or not): a stored upload or a
    shipped demo picture; else None. A chat uploads these itself, since Telegram or
    WhatsApp cannot fetch an address that is not public (localhost on a laptop)."""
    if not url:
        return None
    if URL_PREFIX in url:
        return photo_file(data_dir, url.rsplit(URL_PREFIX, 1)[-1])
    if DEMO_URL_PREFIX in url:
        name = url.rsplit(DEMO_URL_PREFIX, 1)[-1]
        path = demo_photos_dir() / name
        return path if _DEMO_NAME.match(name) and path.is_file() else None
    return None


async def add_order_photo(
    *,
    shop_id: int,
    order_id: int,
    kind: PhotoKind,
    data: bytes,
    data_dir: Path,
    public_base_url: str = "",
    telegram_file_id: str | None = None,
    actor: Actor = SYSTEM,
) -> OrderPhoto:
    """Store a cleaned photo of the shop's order and announce `order.photo_added`.

    Outcomes: the OrderPhoto; PhotoRejected (400) for a file that is too large or not an
    image; NotFound for another shop's order. Nothing is stored when anything fails.
    """
    await get_owned(Order, shop_id=shop_id, id=order_id)
    clean = await asyncio.to_thread(clean_image, data)
    name = f"{secrets.token_urlsafe(24)}.jpg"
    path = await asyncio.to_thread(_write, photos_dir(data_dir), name, clean.data)
    try:
        async with in_transaction():
            order = await get_owned(Order, shop_id=shop_id, id=order_id)
            photo = await OrderPhoto.create(
                order=order,
                kind=kind,
                path=str(path),
                url=photo_url(name, public_base_url=public_base_url),
                telegram_file_id=telegram_file_id,
                width=clean.width,
                height=clean.height,
                size_bytes=len(clean.data),
                uploaded_by_id=actor.user_id,
            )
            await events.emit(
                events.DomainEvent(
                    name=events.ORDER_PHOTO_ADDED,
                    shop_id=shop_id,
                    key=f"order:{order.id}",
                    payload={
                        "order_id": order.id,
                        "number": order.number,
                        "photo_id": photo.id,
                        "kind": kind.value,
                        "url": photo.url,
                        "tracking_token": order.tracking_token,
                    },
                )
            )
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return photo


def chat_photo(photo: OrderPhoto) -> str:
    """What a chat message shows for a stored photo: its public URL when the deployment
    has one (Telegram fetches the cleaned JPEG), else the file id Telegram gave us."""
    if photo.url and photo.url.startswith(("https://", "http://")):
        return photo.url
    return photo.telegram_file_id or photo.url or ""


async def order_photos(*, order_id: int, kind: PhotoKind | None = None) -> list[OrderPhoto]:
    """The order's photos, oldest first."""
    query = OrderPhoto.filter(order_id=order_id)
    if kind is not None:
        query = query.filter(kind=kind)
    return await query.order_by("id")


async def latest_photo(*, order_id: int, kind: PhotoKind) -> OrderPhoto | None:
    return await OrderPhoto.filter(order_id=order_id, kind=kind).order_by("-id").first()


async def remember_file_id(*, photo_id: int, file_id: str) -> None:
    """The Telegram file id of the cleaned photo, once it was uploaded to Telegram, so
    chats can show it again without another upload."""
    await OrderPhoto.filter(id=photo_id).update(telegram_file_id=file_id)

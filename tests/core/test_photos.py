"""Order photos: real images made with Pillow, checked, cleaned of EXIF/GPS, stored, served."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from core.models import OrderPhoto, OutboxEvent, PhotoKind
from core.orders.service import place_order
from core.photos import MAX_PHOTO_BYTES, PhotoRejected, add_order_photo, clean_image, photo_file
from tests.factories import make_shop


def jpeg_with_gps(width: int = 64, height: int = 32, *, orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: camera make, a GPS position, maybe an orientation."""
    image = Image.new("RGB", (width, height), (200, 30, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    exif[ExifTags.Base.Model] = "Model X"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 14.0, 18.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (76.0, 56.0, 41.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def clean_bytes(path: Path) -> bytes:
    return path.read_bytes()


def noise_png(side: int) -> bytes:
    """A real PNG of random pixels: it does not compress, so its size is about side^2*3."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def stored_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def test_the_source_image_really_carries_gps() -> None:
    source = Image.open(io.BytesIO(jpeg_with_gps()))
    gps = source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert source.getexif()[ExifTags.Base.Make] == "PhoneCam"


def test_cleaned_photo_has_no_exif_gps_or_comment() -> None:
    clean = clean_image(jpeg_with_gps())
    stored = Image.open(io.BytesIO(clean.data))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info
    assert "comment" not in stored.info
    assert b"Exif" not in clean.data
    assert b"PhoneCam" not in clean.data
    assert (clean.width, clean.height) == (64, 32)


def test_cleaned_photo_keeps_the_picture_upright() -> None:
    clean = clean_image(jpeg_with_gps(64, 32, orientation=6))
    assert (clean.width, clean.height) == (32, 64)


def test_png_with_transparency_is_stored_as_jpeg() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    clean = clean_image(out.getvalue())
    stored = Image.open(io.BytesIO(clean.data)).convert("RGB")
    assert stored.getpixel((5, 5))[0] > 240


def test_photo_larger_than_10_mb_is_rejected() -> None:
    data = noise_png(1900)
    assert len(data) > MAX_PHOTO_BYTES
    Image.open(io.BytesIO(data)).verify()
    with pytest.raises(PhotoRejected) as error:
        clean_image(data)
    assert error.value.reason == "too_large"


def test_photo_just_under_10_mb_is_accepted() -> None:
    data = noise_png(1800)
    assert len(data) <= MAX_PHOTO_BYTES
    clean = clean_image(data)
    assert max(clean.width, clean.height) <= 2560
    assert len(clean.data) < MAX_PHOTO_BYTES


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is a text file pretending to be a photo",
        b"%PDF-1.4\n1 0 obj<<>>endobj",
        jpeg_with_gps()[:200],
    ],
    ids=["empty", "text", "pdf", "truncated-jpeg"],
)
def test_what_is_not_an_image_is_rejected(data: bytes) -> None:
    with pytest.raises(PhotoRejected) as error:
        clean_image(data)
    assert error.value.reason == "not_image"


def test_photo_file_refuses_names_outside_the_store(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    assert photo_file(tmp_path, "../secret.txt") is None
    assert photo_file(tmp_path, "nope.jpg") is None


@pytest.mark.usefixtures("db")
async def test_added_photo_is_stored_clean_and_announced(tmp_path: Path) -> None:
    shop = await make_shop()
    order = await place_order(shop_id=shop.id, flower_sum=1000)
    photo = await add_order_photo(
        shop_id=shop.id,
        order_id=order.id,
        kind=PhotoKind.DELIVERED,
        data=jpeg_with_gps(),
        data_dir=tmp_path,
    )
    assert photo.url.startswith("/photos/") and photo.url.endswith(".jpg")
    path = Path(photo.path)
    assert path.parent == tmp_path / "photos"
    assert stored_files(tmp_path / "photos") == [path]
    assert b"Exif" not in clean_bytes(path)
    assert photo_file(tmp_path, path.name) == path
    assert await OrderPhoto.filter(order_id=order.id, kind=PhotoKind.DELIVERED).count() == 1


@pytest.mark.usefixtures("db")
async def test_rejected_photo_leaves_nothing_behind(tmp_path: Path) -> None:
    shop = await make_shop()
    order = await place_order(shop_id=shop.id, flower_sum=1000)
    outbox_before = await OutboxEvent.all().count()
    with pytest.raises(PhotoRejected):
        await add_order_photo(
            shop_id=shop.id,
            order_id=order.id,
            kind=PhotoKind.DELIVERED,
            data=b"not an image",
            data_dir=tmp_path,
        )
    assert await OrderPhoto.all().count() == 0
    assert await OutboxEvent.all().count() == outbox_before
    assert stored_files(tmp_path / "photos") == []


@pytest.mark.usefixtures("db")
async def test_another_shops_order_gets_no_photo(tmp_path: Path) -> None:
    from core.errors import NotFound

    shop = await make_shop()
    other = await make_shop("Другой")
    order = await place_order(shop_id=other.id, flower_sum=1000)
    with pytest.raises(NotFound):
        await add_order_photo(
            shop_id=shop.id,
            order_id=order.id,
            kind=PhotoKind.ASSEMBLED,
            data=jpeg_with_gps(),
            data_dir=tmp_path,
        )


async def test_stored_photo_is_served_over_http(api, runtime) -> None:
    shop = await make_shop()
    order = await place_order(shop_id=shop.id, flower_sum=1000)
    photo = await add_order_photo(
        shop_id=shop.id,
        order_id=order.id,
        kind=PhotoKind.DELIVERED,
        data=jpeg_with_gps(),
        data_dir=runtime.settings.data_dir,
    )
    response = await api.get(photo.url)
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    body = await response.read()
    assert Image.open(io.BytesIO(body)).format == "JPEG"
    assert b"Exif" not in body
    missing = await api.get("/photos/" + "a" * 32 + ".jpg")
    assert missing.status == 404

"""Getting a photo out of a Telegram message, and showing the cleaned one back.

A photo arrives either compressed (`message.photo`, Telegram's sizes) or as a file
(`message.document` with an image type, which keeps the camera's EXIF and GPS). Either
way its bytes are handed to core.photos, which checks and cleans them; what the size
Telegram declares already says when a file is too large, so it is not downloaded.
The cleaned photo is then sent back to the sender as the confirmation, and the file id
Telegram gives that upload is what chats (the customer's) show from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from aiogram.types import FSInputFile, InputFile, Message

from core.models import Product
from core.photos import MAX_PHOTO_BYTES, PhotoRejected, local_photo


@dataclass(frozen=True)
class Upload:
    data: bytes
    file_id: str


def has_image(message: Message) -> bool:
    if message.photo:
        return True
    document = message.document
    return document is not None and (document.mime_type or "").startswith("image/")


async def download_image(bot: Bot, message: Message) -> Upload:
    """The bytes of the message's photo (largest size) or image file; PhotoRejected when
    it declares more than 10 MB or holds no image."""
    if message.photo:
        source = message.photo[-1]
        file_id, size = source.file_id, source.file_size
    elif message.document is not None and has_image(message):
        file_id, size = message.document.file_id, message.document.file_size
    else:
        raise PhotoRejected("not_image", "The message holds no photo")
    if size is not None and size > MAX_PHOTO_BYTES:
        raise PhotoRejected("too_large", "The photo is larger than 10 MB")
    stream = await bot.download(file_id)
    if stream is None:
        raise PhotoRejected("not_image", "The photo could not be downloaded")
    return Upload(data=stream.read(), file_id=file_id)


async def echo_clean_photo(message: Message, path: str, caption: str) -> str | None:
    """Send the cleaned photo back in the chat; returns the file id Telegram gave it."""
    sent = await message.answer_photo(FSInputFile(path, filename="photo.jpg"), caption=caption)
    return sent.photo[-1].file_id if sent.photo else None


def product_picture(product: Product, data_dir: Path) -> str | InputFile | None:
    """What a chat shows as the product's picture: its web address, or the stored file
    when the address is one of ours without a public host (Telegram cannot fetch it)."""
    url = product.image_url
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return url
    path = local_photo(data_dir, url)
    return FSInputFile(path, filename="product.jpg") if path is not None else None

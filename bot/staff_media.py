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

from aiogram import Bot
from aiogram.types import FSInputFile, InputFile, Message

from core.models import Product
from core.photos import MAX_PHOTO_BYTES, PhotoRejected, local_photo
from core.runtime import Runtime


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


# Telegram's file id of a picture of ours it was once sent (per bot: ids are the bot's).
FILE_ID_KEY = "sauda:tg:file:{bot}:{path}"
FILE_ID_TTL_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class Picture:
    """What a chat shows as a product's picture: `source` goes to sendPhoto or
    editMessageMedia; `key` names where Telegram's file id of an upload is kept."""

    source: str | InputFile
    key: str | None = None


async def product_picture(product: Product, bot: Bot, runtime: Runtime) -> Picture | None:
    """The product's picture: a web address as it is; one of ours (an upload, a demo
    picture) by the file id Telegram gave it the first time, else the file uploaded
    (Telegram cannot fetch an address that is not public, such as localhost)."""
    url = product.image_url
    if not url:
        return None
    path = local_photo(runtime.settings.data_dir, url)
    if path is None:
        return Picture(url) if url.startswith(("http://", "https://")) else None
    key = FILE_ID_KEY.format(bot=bot.id, path=path.parent.name + "/" + path.name)
    file_id = await runtime.kv.get(key)
    if file_id:
        return Picture(str(file_id))
    return Picture(FSInputFile(path, filename="product.jpg"), key=key)


async def remember_picture(
    picture: Picture | None, sent: Message | bool | None, runtime: Runtime
) -> None:
    """Keep the file id Telegram gave an uploaded picture, for the next card."""
    if picture is None or picture.key is None or not isinstance(sent, Message) or not sent.photo:
        return
    await runtime.kv.set(picture.key, sent.photo[-1].file_id, ex=FILE_ID_TTL_SECONDS)

"""Draws the demo shop's bouquet photos (api/static/demo/*.jpg): generated, so they carry
no third-party licence. Run once after changing the drawing; the JPEGs are committed.

    .venv/bin/python tools/make_demo_photos.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent.parent / "api" / "static" / "demo"
SIZE = 640

# name: (background, flower colours, flower count, wrapping)
PHOTOS = {
    "classic": (
        (250, 240, 235),
        [(176, 18, 38), (205, 30, 55), (150, 10, 30)],
        25,
        (196, 160, 120),
    ),
    "tenderness": (
        (244, 244, 250),
        [(250, 250, 250), (236, 226, 240), (200, 170, 215)],
        15,
        (225, 215, 230),
    ),
    "spring": (
        (240, 248, 236),
        [(250, 200, 40), (245, 170, 30), (255, 220, 90)],
        25,
        (170, 200, 150),
    ),
    "box": ((248, 236, 236), [(190, 25, 45), (210, 170, 220), (160, 15, 35)], 20, None),
    "card": ((246, 242, 232), [], 0, None),
    "assembled": (
        (236, 240, 246),
        [(230, 90, 120), (250, 250, 250), (240, 130, 150)],
        18,
        (200, 170, 140),
    ),
    "delivered": (
        (226, 232, 226),
        [(200, 30, 50), (250, 250, 250), (220, 60, 80)],
        18,
        (190, 160, 130),
    ),
}


def flower(
    draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: tuple, rng: random.Random
) -> None:
    dark = tuple(max(0, c - 45) for c in colour)
    for ring in range(4, 0, -1):
        rr = r * ring / 4
        shade = tuple(int(d + (c - d) * ring / 4) for c, d in zip(colour, dark, strict=True))
        for petal in range(6):
            angle = petal * math.pi / 3 + ring + rng.random() * 0.4
            px, py = x + math.cos(angle) * rr * 0.35, y + math.sin(angle) * rr * 0.35
            draw.ellipse((px - rr * 0.7, py - rr * 0.7, px + rr * 0.7, py + rr * 0.7), fill=shade)


def draw(
    name: str, background: tuple, colours: list, count: int, wrap: tuple | None
) -> Image.Image:
    rng = random.Random(name)
    image = Image.new("RGB", (SIZE, SIZE), background)
    d = ImageDraw.Draw(image)
    cx = SIZE / 2
    if name == "card":
        d.rectangle((150, 180, 490, 460), fill=(255, 255, 255), outline=(200, 180, 150), width=6)
        for i in range(5):
            d.line(
                (190, 240 + i * 40, 450 - (i % 2) * 60, 240 + i * 40), fill=(170, 150, 120), width=5
            )
        flower(d, 430, 420, 34, (200, 40, 70), rng)
        return image
    for _ in range(14):  # stems and leaves
        x = cx + rng.uniform(-40, 40)
        d.line((x, 600, cx + rng.uniform(-150, 150), 300), fill=(70, 120, 60), width=7)
    if wrap:
        d.polygon([(cx - 210, 330), (cx + 210, 330), (cx + 70, 610), (cx - 70, 610)], fill=wrap)
        d.line((cx - 80, 520, cx + 80, 520), fill=(150, 40, 60), width=12)
    else:  # a hat box
        d.rectangle((cx - 200, 360, cx + 200, 600), fill=(40, 40, 48))
        d.rectangle((cx - 210, 345, cx + 210, 380), fill=(60, 60, 70))
    for i in range(count):
        angle = rng.uniform(0, 2 * math.pi)
        dist = math.sqrt(rng.random()) * 170
        x, y = cx + math.cos(angle) * dist, 250 + math.sin(angle) * dist * 0.7
        flower(d, x, y, rng.uniform(30, 42), colours[i % len(colours)], rng)
    for _ in range(10):  # greenery between the flowers
        x, y = cx + rng.uniform(-200, 200), 250 + rng.uniform(-120, 130)
        d.ellipse((x - 14, y - 30, x + 14, y + 30), fill=(90, 140, 80))
    return image.filter(ImageFilter.SMOOTH)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, spec in PHOTOS.items():
        draw(name, *spec).save(OUT / f"{name}.jpg", quality=78, optimize=True)
        print(OUT / f"{name}.jpg", (OUT / f"{name}.jpg").stat().st_size)


if __name__ == "__main__":
    main()

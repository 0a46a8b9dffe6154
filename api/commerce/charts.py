"""A report's daily series as a PNG bar chart (Pillow, no fonts to install)."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image, ImageDraw

WIDTH, HEIGHT, MARGIN = 900, 420, 48
BAR = (46, 125, 50)
AXIS = (90, 90, 90)


def bar_chart(title: str, series: list[tuple[str, Decimal]]) -> bytes:
    """Bars per day, the highest day's value and the first and last dates written."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 12), title, fill=AXIS)
    left, top, right, bottom = MARGIN, MARGIN, WIDTH - MARGIN // 2, HEIGHT - MARGIN
    draw.line([(left, bottom), (right, bottom)], fill=AXIS, width=1)
    draw.line([(left, top), (left, bottom)], fill=AXIS, width=1)
    peak = max((value for _, value in series), default=Decimal(0))
    if series:
        step = (right - left) / len(series)
        for index, (_, value) in enumerate(series):
            height = 0 if peak <= 0 else float(value / peak) * (bottom - top)
            x0 = left + index * step + step * 0.15
            x1 = left + (index + 1) * step - step * 0.15
            if height > 0:
                draw.rectangle([(x0, bottom - height), (max(x1, x0 + 1), bottom)], fill=BAR)
        draw.text((left, bottom + 8), series[0][0], fill=AXIS)
        draw.text((right - 70, bottom + 8), series[-1][0], fill=AXIS)
    draw.text((left + 4, top - 16), f"max {peak.normalize():f}" if series else "no data", fill=AXIS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

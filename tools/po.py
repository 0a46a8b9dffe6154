"""Gettext catalogue chores, written the way the catalogues are kept (sorted, width 100).

    python tools/po.py add texts.json      # {"msgid": {"ru": ..., "kk": ..., "uz": ..., "en": ...}}
                                           # optional "domain" key per entry (default messages)
    python tools/po.py merge BASE OURS THEIRS   # git merge driver: union of both sides

The merge driver keeps every message either side has (ours wins where both changed one),
so branches that each add texts never conflict. Enable it once per clone:

    git config merge.po.driver ".venv/bin/python tools/po.py merge %O %A %B"
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "kk", "uz", "en")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True)
    path.write_bytes(buffer.getvalue())


def _flags(msgid: str) -> list[str]:
    return ["python-brace-format"] if "{" in msgid else []


def add(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    by_domain: dict[str, dict[str, dict[str, str]]] = {}
    for msgid, entry in spec.items():
        entry = dict(entry)
        domain = entry.pop("domain", "messages")
        missing = [lang for lang in LANGUAGES if not entry.get(lang)]
        if missing:
            raise SystemExit(f"{msgid!r}: no translation for {missing}")
        by_domain.setdefault(domain, {})[msgid] = entry
    for domain, entries in by_domain.items():
        for lang in LANGUAGES:
            path = ROOT / "sauda" / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"
            catalog = _read(path, lang) if path.exists() else Catalog(locale=lang)
            for msgid, texts in entries.items():
                existing = catalog.get(msgid)
                if existing is not None:
                    existing.string = texts[lang]
                    existing.flags.discard("fuzzy")
                else:
                    catalog.add(msgid, texts[lang], flags=_flags(msgid))
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(catalog, path)
    print(f"{len(spec)} texts written in {', '.join(LANGUAGES)}")


def merge(base: str, ours: str, theirs: str) -> int:
    try:
        base_cat = _read(Path(base))
        ours_cat = _read(Path(ours))
        theirs_cat = _read(Path(theirs))
    except Exception as error:  # an unreadable side: let git report a conflict
        print(f"po merge: {error}", file=sys.stderr)
        return 1
    for message in theirs_cat:
        if not message.id:
            continue
        mine = ours_cat.get(message.id)
        before = base_cat.get(message.id)
        if mine is None:
            if before is None or before.string != message.string:
                ours_cat[message.id] = message  # added (or changed) on their side only
            continue
        mine_changed = before is None or before.string != mine.string
        if not mine_changed and message.string != mine.string:
            mine.string = message.string
    for message in list(base_cat):
        mine = ours_cat.get(message.id) if message.id else None
        if (
            mine is not None
            and theirs_cat.get(message.id) is None
            and mine.string == message.string
        ):
            del ours_cat[message.id]  # they deleted it, we kept it unchanged
    _write(ours_cat, Path(ours))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "add":
        add(argv[1])
        return 0
    if len(argv) >= 4 and argv[0] == "merge":
        return merge(argv[1], argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

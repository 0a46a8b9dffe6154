"""Builds the wheel with its gettext catalogues compiled (sauda/locales/*/LC_MESSAGES/*.mo).

Everything else about the package is in pyproject.toml; a checkout compiles the same
files in place with `make locales`.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    """`build_py`, then every .po copied into the build compiled next to it."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib, "sauda", "locales").glob("*/LC_MESSAGES/*.po"):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)


setup(cmdclass={"build_py": BuildWithCatalogues})

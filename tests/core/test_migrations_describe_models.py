"""The migrations in sauda/migrations describe core.models exactly: a model change without
its migration (or a migration chain with two leaves after a merge) fails here, not on a
shop owner's database."""

from __future__ import annotations

from pathlib import Path

from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector

from core.db import APP, tortoise_config


async def test_the_migrations_describe_the_models_and_form_one_chain(tmp_path: Path) -> None:
    config = tortoise_config(f"sqlite://{tmp_path / 'check.sqlite3'}")
    apps = config["apps"]
    async with tortoise_cli_context(config) as ctx:
        autodetector = MigrationAutodetector(ctx.apps, apps)
        await autodetector.loader.build_graph()
        leaves = autodetector._leaf_nodes(APP)
        assert len(leaves) == 1, f"one chain of migrations, not {sorted(map(str, leaves))}"
        writers = await autodetector.changes()
    changes = [
        " ".join(
            [type(operation).__name__]
            + [str(getattr(operation, a)) for a in ("model_name", "name") if hasattr(operation, a)]
        )
        for writer in writers
        for operation in writer.operations
    ]
    assert not changes, f"models changed without a migration (make one): {changes}"

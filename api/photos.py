"""Serves stored order photos at /photos/<name> on the API port (core.photos stores them).

Names are long random tokens, so a photo is reachable only through the links the tracking
page and the chats hand out. A plugin (sauda.wiring.PLUGINS) adds the route to every app.
"""

from __future__ import annotations

from aiohttp import web

from core.photos import URL_PREFIX, photo_file
from core.runtime import Runtime


def setup_photos(app: web.Application, runtime: Runtime) -> None:
    async def serve_photo(request: web.Request) -> web.StreamResponse:
        path = photo_file(runtime.settings.data_dir, request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(
            path,
            headers={
                "Content-Type": "image/jpeg",
                "Cache-Control": "public, max-age=86400, immutable",
                "X-Content-Type-Options": "nosniff",
            },
        )

    app.router.add_get(URL_PREFIX + "{name}", serve_photo)


def register(runtime: Runtime) -> None:
    hooks = runtime.extras.setdefault("app_hooks", [])
    if not any(getattr(hook, "__name__", "") == "photos_hook" for hook in hooks):

        def photos_hook(app: web.Application) -> None:
            setup_photos(app, runtime)

        hooks.append(photos_hook)

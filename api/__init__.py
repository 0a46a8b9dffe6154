"""aiohttp transport: one sub-application per contract, each a thin dialect over core."""

"""Benchmarks: the engine against raw asyncio and raw threads (``socket-workbench bench``),
the event log under a flood (``socket-workbench bench-log``). Not part of the product's
layers: they use every layer and nothing uses them."""

"""Idempotent demo data for `make run`: the seed knowledge base and three demo customers with tickets."""

from __future__ import annotations

import importlib
import importlib.util


async def seed_all(url: str) -> list[str]:
    """Seed everything that has a seeder; returns one line per seeder saying what it did."""
    done: list[str] = []
    seeders = (("knowledge.ingest", "seed_knowledge_base"), ("support.demo_seed", "seed_demo"))
    for module_name, function_name in seeders:
        if importlib.util.find_spec(module_name) is None:
            continue
        seeder = getattr(importlib.import_module(module_name), function_name)
        result = await seeder(url)
        done.append(f"{module_name}: {result}")
    return done

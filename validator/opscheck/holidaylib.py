"""The ``holidays`` library's class for one country, importing that country's module alone.

The library's ``holidays.countries`` package imports all of its ~250 country modules when any
one of them is imported, which costs more than everything else a small `validate` does. Its
registry (``holidays.registry.COUNTRIES``, the table its own lazy loader reads) names the
module and class of each supported code, so the one module is loaded from its file under its
own name; a later import of the package finds it already loaded.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any


class UnknownCountry(LookupError):
    """The code is not one of the library's supported country codes."""


@lru_cache(maxsize=1)
def _registry() -> dict[str, tuple[str, str]]:
    """Each supported code (and alias) -> (module, class), from the library's registry."""
    from holidays.registry import COUNTRIES

    return {code: (module, entities[0]) for module, entities in COUNTRIES.items() for code in entities[1:]}


def supported(code: str) -> bool:
    return code in _registry()


def country_class(code: str) -> Any:
    """The holiday class of country ``code`` (as ``holidays.country_holidays`` would build)."""
    try:
        module_name, class_name = _registry()[code]
    except KeyError:
        raise UnknownCountry(code) from None
    return getattr(_country_module(module_name), class_name)


def _country_module(name: str) -> ModuleType:
    full = f"holidays.countries.{name}"
    loaded = sys.modules.get(full)
    if loaded is not None:
        return loaded
    import holidays

    path = Path(holidays.__file__).parent / "countries" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(full, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a broken installation
        return importlib.import_module(full)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[full]
        raise
    return module

"""Models record the keyword arguments they were built with, once (diffusers' `register_to_config`)."""

from __future__ import annotations

import functools
import inspect
from typing import Any


class ConfigMixin:
    """Put first among an architecture's bases: `init_kwargs` holds every constructor argument (defaults filled in),
    which is what config.json stores to rebuild the model, and each reads as an attribute (`model.latent_dim`)."""

    init_kwargs: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)

        @functools.wraps(init)
        def recording_init(self: ConfigMixin, *args: Any, **kwargs: Any) -> None:
            if "init_kwargs" not in self.__dict__:  # the class built, not a parent its __init__ calls
                bound = signature.bind(self, *args, **kwargs)
                bound.apply_defaults()
                self.__dict__["init_kwargs"] = {k: v for k, v in bound.arguments.items() if k != "self"}
            init(self, *args, **kwargs)

        cls.__init__ = recording_init  # type: ignore[method-assign]

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)  # type: ignore[misc]  (nn.Module's: parameters, buffers, submodules)
        except AttributeError:
            record = self.__dict__.get("init_kwargs", {})
            if name in record:
                return record[name]
            raise

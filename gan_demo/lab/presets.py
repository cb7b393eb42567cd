"""The 2D playground's presets: each shows one phenomenon of GAN training within a few hundred steps.

Each is reproducible (a seed and every setting fixed) and tests/test_lab_toy.py trains each one and checks that it
ends in the regime it claims (`claim` says which, in words the test checks). What to watch is said in the UI's
language in gan_demo/ui/text.py ("lab_watch_<name>").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .toy import ToyRun, ToySettings


@dataclass(frozen=True)
class Preset:
    settings: dict[str, Any] = field(default_factory=dict)  # changes from ToySettings' defaults
    seed: int = 0
    steps: int = 1000  # by this step the phenomenon shows (tests check it there)
    claim: str = ""

    def toy_settings(self) -> ToySettings:
        return ToySettings.from_dict(dict(self.settings))

    def run(self) -> ToyRun:
        """A new run of the preset, not yet trained."""
        return ToyRun(self.toy_settings(), self.seed)


# G learns ten times faster than D: it piles its points onto whatever spot D likes best, D pushes back, and G hops
# to the next spot, never spreading over the ring. (With D the faster one instead, this is the TTUR preset.)
_COLLAPSE = {"g_lr": 5e-3, "d_lr": 5e-4}
# A deeper, wider D with a 5x learning rate and 3 updates per G step.
_STRONG_D = {"d_steps": 3, "d_lr": 5e-3, "d_width": 128, "d_layers": 3}

PRESETS: dict[str, Preset] = {
    "mode_collapse": Preset(_COLLAPSE, seed=0, steps=1500, claim="at most 2 of the 8 modes covered"),
    "saturating": Preset(
        {"loss": "saturating", "d_steps": 5, "d_lr": 5e-3, "g_lr": 1e-4, "beta1": 0.0},
        seed=0,
        steps=300,
        claim="D(G(z)) near 0 and G's gradient vanishes; the non-saturating loss, all else equal, keeps it strong",
    ),
    "d_too_strong": Preset(_STRONG_D, seed=0, steps=400, claim="D(x) - D(G(z)) > 0.5, at most 3 modes covered"),
    "wgan_gp": Preset(
        {"loss": "wgan-gp", "d_steps": 5, "g_lr": 1e-3, "d_lr": 1e-3, "beta1": 0.5, "beta2": 0.9},
        seed=0,
        steps=400,
        claim="at least 7 of the 8 modes covered, with the mode-collapse preset's seed",
    ),
    "ttur": Preset(
        {"g_lr": 5e-4, "d_lr": 2e-3},
        seed=0,
        steps=1000,
        claim="at least 7 of the 8 modes covered where G ten times faster than D (mode collapse) covers at most 2",
    ),
    "spectral_norm": Preset(
        {**_STRONG_D, "spectral_norm": True},
        seed=0,
        steps=400,
        claim="the D-too-strong preset with spectral norm: D(x) close to D(G(z)), at least 7 modes covered",
    ),
}

PRESET_NAMES = tuple(PRESETS)


def preset_settings(name: str) -> dict[str, Any]:
    """All settings of a preset (defaults filled in), as JSON."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESET_NAMES)}")
    return dataclasses.asdict(PRESETS[name].toy_settings())

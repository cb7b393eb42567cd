"""gan_demo: the model layer behind the interactive GAN app.

Architectures live in `gan_demo.models`, checkpoints in `gan_demo.checkpoint`,
inference in `gan_demo.ops`, and tensor <-> image conversion in `gan_demo.imaging`.
"""

__version__ = "0.1.0"

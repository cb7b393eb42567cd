"""The training lab: live, seeded GAN training for the 2D playground and the image mode (no Gradio here)."""

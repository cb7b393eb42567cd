"""Training: one loop for the image GAN families, a classifier loop, and their reports."""

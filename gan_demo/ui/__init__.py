"""The Gradio side of the app: bilingual text and input validation."""

"""Answers: compose a match into a structured answer and render it as Markdown."""

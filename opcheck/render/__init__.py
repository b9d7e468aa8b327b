"""Renderers: turn plain result objects into terminal tables, JSON, Markdown, HTML.

Renderers format; they never compute.
"""

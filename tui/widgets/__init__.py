"""Widgets that display: they report upward through messages and never touch the database."""

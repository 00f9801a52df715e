"""The app's screens: each reads through tui.desk in worker threads and acts on its keys."""

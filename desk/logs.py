"""Logging helpers the ini files name."""

import logging.handlers
import os


class RotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file log that creates its folder, so a fresh checkout can log to var/log/."""

    def __init__(self, filename: str, *args, **kwargs):
        os.makedirs(os.path.dirname(filename), exist_ok=True)
        super().__init__(filename, *args, **kwargs)

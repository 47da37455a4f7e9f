"""One error hierarchy. Messages are Chinese, say what went wrong and what to do."""

from __future__ import annotations


class GuidecheckError(Exception):
    """Base class of every error guidecheck raises on purpose."""


class ConfigError(GuidecheckError):
    """A rules/ vocabulary or a config file is malformed (names file and key)."""


class InvalidUpload(GuidecheckError):
    """A file cannot be read as what it claims to be (not a DOCX, corrupt, unsafe…).

    ``reason`` is one plain line for the user, ending with what to do.
    """

    def __init__(self, reason: str, *, source: str | None = None) -> None:
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {reason}" if source else reason)


class NoGuideFound(GuidecheckError):
    """A readable file holds no recognisable guide."""

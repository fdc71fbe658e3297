"""The one user-facing error type: anything a user can cause that is not a finding."""

from __future__ import annotations


class ConfigError(Exception):
    """A usage or configuration problem: the CLI prints it and exits 2.

    ``where`` is ``path:line`` when the problem has a place in a file.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

"""The error types for bad input. Each names the file, the place in it and the field."""

from __future__ import annotations


class InputError(ValueError):
    def __init__(self, path: str, where: str, field: str | None, message: str) -> None:
        self.path, self.where, self.field, self.message = path, where, field, message
        parts = [f"{path}: {where}"] + ([f"field {field!r}"] if field else []) + [message]
        super().__init__(": ".join(parts))


class SpecError(ValueError):
    """metadata/tables.yaml does not describe the tables correctly."""


class UnknownTable(SpecError, KeyError):
    """A table the code makes or reads is not in metadata/tables.yaml. A KeyError to
    code that looks a table up by a resource's name; to the user, a SpecError."""

    def __str__(self) -> str:
        return str(self.args[0])

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class ImportErrorCode(models.TextChoices):
    # The upload or the file as a whole: nothing is imported.
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    EMPTY_FILE = "EMPTY_FILE"
    INVALID_FILE = "INVALID_FILE"
    INVALID_ENCODING = "INVALID_ENCODING"
    INVALID_HEADER = "INVALID_HEADER"
    NO_ROWS = "NO_ROWS"
    CELL_TOO_LARGE = "CELL_TOO_LARGE"
    NOT_FOUND = "NOT_FOUND"
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # One cell or row of the file.
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_AREA = "INVALID_AREA"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_ID_NO = "INVALID_ID_NO"
    INVALID_CHOICE = "INVALID_CHOICE"
    DUPLICATE_ACCOUNT_NO = "DUPLICATE_ACCOUNT_NO"
    UNKNOWN_COMMUNITY = "UNKNOWN_COMMUNITY"
    UNKNOWN_BUILDING = "UNKNOWN_BUILDING"
    UNKNOWN_UNIT = "UNKNOWN_UNIT"
    FORMULA_ERROR = "FORMULA_ERROR"


class ImportFileError(ValidationError):
    """The file cannot be imported at all (wrong type, headers, encoding, a
    huge cell …). `row`/`column` locate the problem when there is one place."""

    def __init__(self, message: str, *, code: str, row: int | None = None, column: str | None = None):
        super().__init__(message, code=code)
        self.row = row
        self.column = column

"""Errors a user can act on. Each names the input and says what is wrong in one line."""


class InputError(Exception):
    """An input (file, record) that cannot be analysed. ``where`` is ``PATH`` or ``PATH:LINE``."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason

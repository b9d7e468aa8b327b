"""The one exception type that means "bad input or usage" (exit code 2).

Every module raises :class:`InputError` with a one-line, user-facing message when
what it was given cannot be used; the CLI turns it into one line on stderr and
exit status 2.  Anything else escaping is a bug.
"""


class InputError(ValueError):
    """Bad input or usage: the message is shown to the user as one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))

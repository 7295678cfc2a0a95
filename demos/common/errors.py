"""One error type for everything a reader can get wrong: the CLI prints its message as one line."""


class DemoError(Exception):
    """A readable, one-line problem with a demo name, a file or an argument."""

"""iclft: in-context learning versus finetuning, measured on novel facts."""

__version__ = "0.1.0"


class IclftError(Exception):
    """A problem with the user's input: reported as one line, never a traceback."""

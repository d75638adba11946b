"""Errors a chapter or a page may catch, in a module of their own so that catching one imports no machinery."""


class MissingStage(LookupError):
    """A table a page needs was never computed for this run."""

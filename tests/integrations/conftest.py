"""The consult contract's fixtures (a firm, the consult port) for the sync tests."""

from tests.api.consult.conftest import consult, firm

__all__ = ["consult", "firm"]

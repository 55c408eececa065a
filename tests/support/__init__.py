"""Helpers shared by several test folders, imported by their package path
(``tests.support.…``) so that every folder gets the same module object.

Conftest files are for fixtures only: pytest imports each of them under the bare name
``conftest``, so ``from conftest import X`` finds whichever folder's conftest was loaded
last, and ``from tests.support.tui import X`` loads a second copy of the module."""

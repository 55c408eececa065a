"""`python -m center` — the same as the `center` command."""

from center.cli import main

main()

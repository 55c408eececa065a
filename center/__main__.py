"""`python -m center` — the same as the `center` command."""

from center.cli import main

if __name__ == "__main__":  # push processes (spawned) import this module too
    main()

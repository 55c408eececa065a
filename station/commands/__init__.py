"""One module per `station` subcommand group; each exposes `command`."""

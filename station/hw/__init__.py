"""Hardware ports (card reader, printer) and their adapters and fakes."""

"""One module per screen; their CSS rules are prefixed by the screen class (CSS is app-wide)."""

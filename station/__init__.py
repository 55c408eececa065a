"""流动办事厅 Station: the core of the pop-up service hall appliance.

The core never imports Textual; `station.tui` sits on top of it and `station.hw`
holds the hardware ports and adapters.
"""

__version__ = "0.1.0"

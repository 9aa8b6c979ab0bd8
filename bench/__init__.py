"""The newscrawl benchmark (`python -m bench --help`); not part of the crawler."""

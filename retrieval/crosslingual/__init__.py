"""Query-term sources across languages: the CC-CEDICT bridge, names, numbers, neighbours, answer types."""

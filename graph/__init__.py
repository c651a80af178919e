"""The programme as a knowledge graph: parsing, linking, validation, the store."""

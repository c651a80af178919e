"""The service and the command line: JSON API, SPARQL, linked-data pages, web UI, CLI."""

"""The graph in a SPARQL 1.1 server (REGIONGRAF_STORE=sparql+http://...): see store.py."""

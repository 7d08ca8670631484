"""Chinese full-text search for the built site: a sharded character-n-gram index (build.py)
and the browser side (static/assets/kb/search.js)."""

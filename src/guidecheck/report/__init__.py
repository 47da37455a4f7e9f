"""Reporters: render findings (they never decide anything).

``findings_json`` writes the stable findings JSON (``docs/findings.md``);
``summary`` builds the per-unit counts and prints them as a text table.
"""

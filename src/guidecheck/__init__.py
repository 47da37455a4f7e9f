"""guidecheck: keep government service guides (办事指南) consistent and standard.

Pipeline, one package each: read (bytes → text/XML, safely) → extract (→ model)
→ compare → attribute → report. ``model`` and ``normalize`` are pure.
"""

__version__ = "0.1.0"

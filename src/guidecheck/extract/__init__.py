"""Extraction: documents → :class:`guidecheck.model.Guide` (entry point: ``extract.files``)."""

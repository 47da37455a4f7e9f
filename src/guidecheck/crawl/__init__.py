"""Polite, bounded crawling of the web channels (issue 4; design in docs/crawl.md).

``crawl(config, store)`` is the entry point (crawler.py); ``load_crawl_config(path)``
reads the ``crawl:`` sections of a scan config (config.py); ``Fetcher.fetch`` is one
bounded GET (fetch.py).
"""

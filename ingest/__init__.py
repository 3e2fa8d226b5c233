"""The write side of tanya: load articles, chunk them, embed them and keep the index.

Public API: ``ingest.store.index`` (``make_index``, ``Index``, ``Hit``), ``ingest.pipeline``
(``ingest_inputs``, ``ingest_articles``), ``ingest.loaders`` (``Article``, ``load_inputs``),
``ingest.text.analysis`` (the analyser that queries must share), ``ingest.settings``. Nothing heavy is
imported here.
"""

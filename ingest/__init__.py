"""The write side of tanya: load articles, chunk them, embed them and keep the index.

Public API: ``ingest.store.index`` (``make_index``, ``Index``, ``Hit``), ``ingest.pipeline``
(``ingest_inputs``, ``ingest_articles``), ``ingest.loaders`` (``Article``, ``load_inputs``),
``ingest.text.analysis`` (the analyser that queries must share), ``ingest.settings``. Nothing heavy is
imported here.
"""

import os

# onnxruntime (1.32 and later on Linux) sends usage telemetry to Microsoft and writes a device id
# under $HOME unless told not to before it loads; tanya works offline and sends nothing, as Chroma's
# telemetry is off too (``ingest.store.vectors``). A user's own setting of the variable is kept.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

"""KB_STORE=milvus: the chunk index in Milvus Lite (a temporary file), against the same catalog.

`test_search`: ingest (fake and real embedder), incremental ingest, the searches and their filters
against FAISS's; `test_versions`: removed and changed documents, a crash between the Milvus insert
and the publish; `test_errors`: the messages for a Milvus that cannot be used. Skipped, with the
reason, only where Milvus Lite cannot start (`conftest.py`).
"""

"""The chunk index in Milvus (`KB_STORE=milvus`): Milvus Lite in a file, or a server by URI.

One collection per index folder holds every chunk's row: its dense vector (inner product on
unit vectors: the cosine), its embedded text analysed by jieba with a BM25 function into a sparse
field (Milvus's full-text search), and the ids the filters use (chunk, paragraph, document).

Versions without copying rows. An ingest never changes a row a published version sees:

- Each ingest has a *generation* (an increasing integer, from the clock). Rows it inserts carry
  it, with `doc_tag` = "<generation>:<doc id>"; the catalog's `milvus_rows` table says which
  generation of each document the version holds.
- A version sees the rows with `generation <= ` its own generation whose `doc_tag` is not in its
  `milvus_hidden` table: the tags of rows that are still stored but not part of the version (the
  old rows of a changed or removed document, kept while the version before it may be loading).
  So the search filter is one comparison and a short list, however many documents there are.
- A changed document's new rows are inserted before CURRENT switches; its old rows are deleted
  after, once no kept version folder lists them. A crash before the switch leaves rows of a
  generation no published version reaches (they are deleted when the next ingest starts); a crash
  after it leaves rows that no version sees (deleted by the next ingest too). Half a document is
  therefore never searchable, and nothing is rewritten: an ingest inserts only what it adds.
- A rebuild (another embedder, chunk size, or a collection gone from the server) fills a new
  collection; the previous one is dropped once no kept version uses it.

The ingest lock (`ingest.build.ingest_lock`) keeps one writer at a time; apps on several hosts
sharing one server need the index folder (lock, catalog, CURRENT) on shared storage too. Milvus
Lite allows one process per file: an app and a separate `kb ingest` cannot both open it (the
error says so), while an upload through the app runs in its process and can.

Modules: `connection` (the address, one shared client, failures as messages), `collection` (its
fields and indexes, the keyword text, whether it can serve a version), `rows` (which rows a version
sees), `search` (`MilvusChunkIndex`, a version's searches), `writer` (`MilvusWriter`, an ingest's
changes).
"""

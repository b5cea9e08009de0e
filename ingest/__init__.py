"""Reports on disk to a published index: load, segment, describe, chunk, embed, count terms, publish."""

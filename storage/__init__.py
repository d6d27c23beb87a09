"""The versioned archive: raw pages, documents, versions, long-form cells, crawl runs (see README.md)."""

"""Stories: versions of the same story across outlets, and what each outlet did to it.

- ``units``: tokens, sentences and clauses of a text (no parser).
- ``align``: one version against another, sentence -> clause -> word.
- ``diff``: ``compare(articles)``, the ``unspun compare`` result (shared / reworded / added
  stretches and omissions per version).
- ``minhash``, ``candidates``, ``verify``, ``group``: ``unspun stories`` — MinHash-LSH candidate
  pairs over shingles, verified by sentence alignment, grouped into ``copy`` and ``event``
  stories.
"""

"""Text-only helpers below the stages and the models: they read the article's characters and
nothing else (no parse, no model), so both layers may use them.

- ``unspun.text.quotes``: quotation-mark scanning (``find_quotes``);
- ``unspun.text.lexicon``: reporting-verb lexicons and their inflected forms.

Nothing here imports from ``unspun.stages`` or ``unspun.models``.
"""

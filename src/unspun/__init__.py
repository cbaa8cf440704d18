"""unspun: what a news article reports, and how it spins it."""

__version__ = "0.1.0"

from unspun.article import Article, Span  # noqa: E402
from unspun.pipeline import analyze  # noqa: E402

__all__ = ["Article", "Span", "analyze", "__version__"]

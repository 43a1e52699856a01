"""Question bank: schema, loader and the immutable bank (no Streamlit, no database)."""

from trainer.content.bank import QuestionBank, Topic
from trainer.content.loader import ContentError, ContentInvalid, load_bank

__all__ = ["ContentError", "ContentInvalid", "QuestionBank", "Topic", "load_bank"]

"""NMT Trainer: quizzes, flashcards and progress tracking for neuromuscular therapy."""

__version__ = "0.1.0"

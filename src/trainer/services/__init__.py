"""Use cases (sign-in, quizzes, scoring, analytics) as plain functions over a database session."""

"""Streamlit widgets and page pieces of the app (the services hold the logic)."""

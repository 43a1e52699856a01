"""HTTP routes served beside the Streamlit app (sign-in cookies), no Streamlit scripts here."""

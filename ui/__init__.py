"""The dashboard's shared UI layer (Streamlit); pages import `ui.common`."""

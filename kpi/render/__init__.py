"""The render layer: plotly figures (charts, maps), slides, image and table exports. No Streamlit."""

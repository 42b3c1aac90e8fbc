"""The render layer: plotly figures, slides, image and table exports. No Streamlit.

text (source line, figures in words) and style (colours, layouts) are the base; people is the ten-person picture;
charts, growth, comparison and maps build figures (places holds what the per-area figures share); slides, images
and tables write files.
"""

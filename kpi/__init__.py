"""Key Human Indicators: the data contract, store, metric registry and statistics behind the dashboard.

Nothing in this package imports Streamlit: pages, exports and the command line all call it the same way.
"""

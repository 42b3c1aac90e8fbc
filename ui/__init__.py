"""The dashboard's UI layer (Streamlit), one module a job: data (cached kpi calls), state (filters and the URL),
blocks (chart, table, CSV, footer), cards, glossary, nav (page start), views (display shaping), presentation."""

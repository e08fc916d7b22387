"""Presenting results: text, HTML, plots, tables and workbooks, run folders, the report notebook."""

"""The web client: its files (`static/`) and the page that serves them with their headers."""

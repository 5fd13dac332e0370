"""The HTTP API and the command line: thin edges over the application."""

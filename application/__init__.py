"""The application layer: commands, queries and the ports they depend on."""

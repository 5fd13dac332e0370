"""The ``analytics`` schema: stable SQL views over the read model for analysts
(docs/analytics.md), and the role that may read them."""

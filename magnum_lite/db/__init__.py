"""Records in a relational database: models, queries and migrations."""

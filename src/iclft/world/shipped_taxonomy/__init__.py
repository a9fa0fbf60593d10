"""The shipped world model's files (see README.md here)."""

"""Vetted providers and the Secretariat explore the needs Parties made visible to them."""

"""Pydantic models at the API boundary, named by role (…Request, …Public)."""

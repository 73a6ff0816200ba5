"""JD Cloud opencdn live statistics."""

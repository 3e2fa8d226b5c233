"""Discord cogs, one feature each: asking (``ask``) and managing the library (``library``)."""

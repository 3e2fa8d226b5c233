"""The read side of tanya: retrieval, the answering chain and its front ends (CLI, Discord)."""

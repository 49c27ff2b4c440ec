"""Build tooling for the knowledge base: the DOCX and PDF editions of the templates (`make knowledge`)."""

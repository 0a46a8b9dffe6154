"""HTML pages of the shop contract (rendered here, texts from the gettext domain `web`)."""

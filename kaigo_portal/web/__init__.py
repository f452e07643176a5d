"""Pages shared by every role: the base layout, the home page per role, session keep-alive."""

"""AI providers behind one small interface, plus the offline writer."""

"""What comes out: one formatter per kind of cell, the text and JSON views, the assumptions table,
the written explanation, the figure check and the portfolio view."""

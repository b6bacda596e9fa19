"""The interview as data and logic: the question flow, parsing what people type, the saved session
and starting from a description."""

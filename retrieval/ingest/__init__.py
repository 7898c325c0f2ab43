"""Article files → Articles → Passages: the file walker, the page reader, chunking, paragraph leaning."""

"""Article files → Articles → Passages: the file walker, the page reader (page families, titles and
source links), boilerplate by evidence, chunking, paragraph leaning."""

"""Groups: the listings people search for, and the search itself."""

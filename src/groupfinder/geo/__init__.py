"""Places: the offline gazetteer, the geocoding port, and distance maths."""

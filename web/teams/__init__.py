"""Teams and rules of the working district: the files, their checks and their pages."""

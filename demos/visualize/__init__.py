"""visualize: a shape classifier and three ways to look inside it (Zeiler & Fergus; Simonyan et al.)."""

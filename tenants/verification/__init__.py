"""A member proves a mobile number is theirs before Lasso texts it alerts."""
